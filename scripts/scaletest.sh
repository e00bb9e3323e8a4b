#!/usr/bin/env bash
# The full scale test (make scaletest; its quick version runs inside make test): tests/scale
# at ASSESS_SCALE=full against a throw-away PostgreSQL server on loopback (from
# scripts/with-postgres.sh), moto's S3 server, redis-server, three gunicorn app servers and
# the queue workers the tests start: 29 reports a batch, both queue engines (PostgresHuey,
# RedisHuey), three rounds of each assertion on the next pair of servers.
# Arguments go to pytest, e.g. scripts/scaletest.sh -x -k redis.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

echo "# $(nproc) CPUs; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
ASSESS_SCALE=full scripts/with-postgres.sh "$PY" -m pytest -p no:cacheprovider -v --durations=0 tests/scale "$@"
