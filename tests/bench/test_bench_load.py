"""``bench/load.py --quick`` runs (on SQLite, and on the PostgreSQL pass against that server)
and prints the SPEC §7 lines, with nothing lost; and the lost-write check it ends with does
find a write that was acknowledged but is not in the database."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from assess import create_app
from assess.accounts import users
from assess.accounts.models import User
from assess.core.db import database
from assess.cycles import submissions
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Cycle, Submission
from assess.units.models import Unit
from bench import harness
from tests.conftest import PG_SERVER

ROOT = Path(__file__).resolve().parents[2]
SPEC_LINES = [
    "load.users",
    "load.requests",
    "load.errors",
    "load.p50_ms",
    "load.p95_ms",
    "load.p99_ms",
    "load.lost_writes",
]


def test_bench_load_quick():
    engine = ["--database-url", PG_SERVER] if PG_SERVER else []
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--quick", *engine],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    lines = completed.stdout.splitlines()
    assert lines[0] == ("# postgresql" if PG_SERVER else "# sqlite")
    figures = dict(line.split(": ", 1) for line in lines[1:])
    assert list(figures)[: len(SPEC_LINES)] == SPEC_LINES
    numbers = {name: float(value) for name, value in figures.items()}
    assert numbers["load.users"] == 5
    assert numbers["load.requests"] > 0 and numbers["load.p95_ms"] > 0
    assert numbers["load.lost_writes"] == 0, completed.stderr
    assert numbers["load.errors"] == 0, completed.stderr
    assert numbers["load.submits"] == 5 and numbers["load.uploads"] > 0
    assert numbers["load.audit_problems"] == 0


@pytest.fixture
def load_instance(tmp_path, monkeypatch):
    """A small load-test instance (two reporters), made as bench/load.py makes it: (config, plan).

    build_instance sets its configuration in the environment and a cheap hasher for itself;
    both are put back after the test.
    """
    dropped = None
    if PG_SERVER:
        database_url, dropped = harness.postgres_database(PG_SERVER)
    else:
        database_url = f"sqlite:///{tmp_path}/instance/assess.db"
    config = harness.app_config(database_url, tmp_path / "instance")
    for key, value in config.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(users, "_hasher", users._hasher)
    try:
        yield config, harness.build_instance(config, 2)
    finally:
        if dropped:
            harness.drop_postgres_database(PG_SERVER, dropped)


def _acknowledge(config, plan, ledger):
    """Save one value and submit unit 1 as its reporter would, noting both in ``ledger``."""
    username, unit_id = plan.accounts[0]
    code, measure = plan.items[0]
    fields = harness.form_value(measure, random.Random(7))
    with create_app(dict(config)).app_context():
        database.connect(reuse_if_open=True)
        try:
            cycle, actor = Cycle.get_by_id(plan.cycle_id), User.get(User.username == username)
            unit = Unit.get_by_id(unit_id)
            indicator = indicator_set(cycle).indicator(code)
            value = submissions.value_text_from_form(
                indicator,
                fields.get("value", ""),
                fields.get("numerator", ""),
                fields.get("denominator", ""),
            )
            before = Submission.get(unit=unit, indicator_code=code).version
            sub, _warning = submissions.save_value(cycle, unit, code, value, "", before, actor)
            submissions.submit_unit(cycle, unit, actor)
        finally:
            database.close()
    ledger.saves.append((unit_id, code, fields, sub.version))
    ledger.submits.append(unit_id)
    return unit_id, code, measure, fields, sub.version


def test_lost_writes_finds_each_forged_acknowledgement(load_instance):
    """The check behind ``load.lost_writes`` finds what was written and flags what was not:
    a save of another value, a save past the item's version, an upload never stored, a
    submission that did not happen."""
    config, plan = load_instance
    honest = harness.Ledger()
    unit_id, code, measure, fields, version = _acknowledge(config, plan, honest)
    assert harness.lost_writes(config, plan, honest) == (0, 0, [])

    rng = random.Random(8)
    other = next(f for f in iter(lambda: harness.form_value(measure, rng), None) if f != fields)
    forgeries = {
        "save of another value": ("saves", (unit_id, code, other, version)),
        "save past the item's version": ("saves", (unit_id, code, fields, version + 1)),
        "upload never stored": ("uploads", (unit_id, code, "0" * 64)),
        "submission that did not happen": ("submits", plan.accounts[1][1]),
    }
    for what, (kind, write) in forgeries.items():
        forged = harness.Ledger(
            saves=list(honest.saves), uploads=list(honest.uploads), submits=list(honest.submits)
        )
        getattr(forged, kind).append(write)
        lost, chain, problems = harness.lost_writes(config, plan, forged)
        assert lost >= 1, what
        assert chain == 0 and len(problems) == lost, what
