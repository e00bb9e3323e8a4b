"""People who sign in (账号): users, passwords, sign-in throttling, the sign-in pages."""
