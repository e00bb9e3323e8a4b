"""The ``assess`` command line."""
