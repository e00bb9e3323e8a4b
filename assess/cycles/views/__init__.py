"""The cycle's pages: the office's management, the reporters' self-report, the inspectors' queue."""
