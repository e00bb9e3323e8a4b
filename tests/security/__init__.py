"""The security suite: authorisation matrix, CSRF and sessions, upload attacks, XSS, SQL
metacharacters, bandit, and hypothesis fuzzing of the write endpoints."""
