"""Operating an instance: schema migrations, backup and restore, the audit log page."""
