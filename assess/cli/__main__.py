"""``python -m assess.cli``: the ``assess`` command (the development server's reloader
restarts the process this way)."""

from assess.cli.main import main

main()
