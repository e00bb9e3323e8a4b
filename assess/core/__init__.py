"""The foundation every area stands on: the database, base models, audit, policy, labels."""
