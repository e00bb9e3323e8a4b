#!/usr/bin/env bash
# The deadline load test (make loadtest; not part of make test): bench/load.py against
# PostgreSQL — a throw-away server on loopback, from scripts/with-postgres.sh — first with
# one new connection per request (a plain postgresql:// DATABASE_URL), then with pooled
# connections (postgresql+pool://), and last the same load against the embedded SQLite
# default, to show where it stops. Each run prints the load.* lines of SPEC §7 after a
# "# postgresql", "# postgresql+pool" or "# sqlite" line.
# Arguments go to every run, e.g. scripts/loadtest.sh --quick, or --duration 60.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

echo "# $(nproc) CPUs; load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2016  # expanded by the inner shell, where with-postgres.sh sets it
scripts/with-postgres.sh bash -c '
  "$0" bench/load.py --database-url "$ASSESS_TEST_DATABASE" --label postgresql "$@"
  "$0" bench/load.py --database-url "$ASSESS_TEST_DATABASE" --pool 8 --label postgresql+pool "$@"
' "$PY" "$@"
"$PY" bench/load.py --label sqlite "$@"
