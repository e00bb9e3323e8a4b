"""Two API writes at once: exactly one is acknowledged, the other refused with its reason.

As in tests/cycles/test_races.py the window is held open on purpose: both requests have
passed every check made before the transaction, and the first keeps its transaction open
after its write while the second runs; the second must then meet the first's row (412) or
the closed cycle (409), never be acknowledged too. Two clients, two threads, two
connections; on PostgreSQL by ``scripts/with-postgres.sh``.
"""

from __future__ import annotations

import threading

from assess.core.db import database
from assess.cycles import submissions
from assess.cycles.models import Cycle, Submission
from tests.api.test_writes import _bearer, _unit_id
from tests.cycle_helpers import hold_first_of_two_saves
from tests.security.conftest import ROLE_USERS, UNIT_B, world  # noqa: F401 (the fixture)

HOLD_SECONDS = 0.5


def _in_thread(fn) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run():
        out["response"] = fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def _row(app, cycle_id: int, unit_id: int) -> Submission | None:
    with app.app_context():
        database.connect(reuse_if_open=True)
        row = Submission.get_or_none(
            Submission.cycle == cycle_id,
            Submission.unit == unit_id,
            Submission.indicator_code == "A2",
        )
        database.close()
    return row


def test_two_first_saves_through_the_api_one_wins(app, world, monkeypatch):  # noqa: F811
    unit_id = _unit_id(app, UNIT_B)
    url = f"/api/v1/cycles/{world.open_cycle}/units/{unit_id}/self-report/A2"
    headers = {**_bearer(app, ROLE_USERS["other"]), "If-Match": '"0"'}
    hold_first_of_two_saves(monkeypatch, HOLD_SECONDS)
    runs = [
        _in_thread(lambda v=v: app.test_client().put(url, json={"value": v}, headers=headers))
        for v in ("4", "7")
    ]
    for thread, _out in runs:
        thread.join(30)
    statuses = sorted(out["response"].status_code for _t, out in runs)
    assert statuses == [200, 412], statuses
    winner = next(out["response"] for _t, out in runs if out["response"].status_code == 200)
    row = _row(app, world.open_cycle, unit_id)
    assert (row.value_text, row.version) == (winner.get_json()["value"], 1)


def test_a_save_begun_before_the_office_closes_is_refused(app, world, monkeypatch):  # noqa: F811
    unit_id = _unit_id(app, UNIT_B)
    url = f"/api/v1/cycles/{world.open_cycle}/units/{unit_id}/self-report/A2"
    reporter = {**_bearer(app, ROLE_USERS["other"]), "If-Match": '"0"'}
    admin = _bearer(app, "admin")
    cycle_url = f"/api/v1/cycles/{world.open_cycle}"
    etag = app.test_client().get(cycle_url, headers=admin).headers["ETag"]
    closes: list = []

    def close_meanwhile(*_args):
        # The save has passed its checks; the office moves the cycle to review now.
        thread, out = _in_thread(
            lambda: app.test_client().post(
                cycle_url + "/transitions",
                json={"to": "review"},
                headers={**admin, "If-Match": etag},
            )
        )
        thread.join(30)
        closes.append(out["response"])
        return None

    monkeypatch.setattr(submissions, "rate_jump_warning", close_meanwhile)
    late = app.test_client().put(url, json={"value": "4"}, headers=reporter)
    assert closes[0].status_code == 200 and closes[0].get_json()["state"] == "review"
    assert late.status_code == 409 and "不在自评填报阶段" in late.get_json()["detail"]
    assert _row(app, world.open_cycle, unit_id) is None
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Cycle.get_by_id(world.open_cycle).state == "review"
        database.close()
