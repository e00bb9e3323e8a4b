"""Demo data for ``assess demo``: Zhengzhou's units, cycles with work in progress, a nomination round.

This is the only place a password is written down: every demo account shares
``DEMO_PASSWORD`` so a newcomer can sign in as each role. It lives in the package, not in
``units``, so that every demo module can use it and ``units`` can load the others.
"""

DEMO_PASSWORD = "Demo@2026!"  # noqa: S105 (demo data only, printed to the operator)
