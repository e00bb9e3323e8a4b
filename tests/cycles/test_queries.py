"""Pages whose content grows with the number of units run a fixed number of SQL queries."""

from __future__ import annotations

from assess.accounts.models import User
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.models import Cycle
from assess.units.models import Unit
from tests.cycle_helpers import SET_PATH
from tests.helpers import count_queries


def _cycle_with_units(n: int, year: int) -> Cycle:
    """A published cycle over ``n`` counties, each with a value for every indicator."""
    Unit.update(active=False).where(Unit.kind.in_(["county", "department"])).execute()
    rows = [{"code": f"q{year}-{i:04d}", "name": f"测试县{i}", "kind": "county"} for i in range(n)]
    for start in range(0, n, 200):
        Unit.insert_many(rows[start : start + 200]).execute()
    admin = User.get(User.username == "admin")
    cycle = lifecycle.create_cycle(
        year, f"规模{n}", SET_PATH.read_text("utf-8"), "s.yaml", actor=admin
    )
    lifecycle.transition(cycle, "open", admin)
    reporter = User.get(User.username == "r-410105")
    for unit in Unit.select().where(Unit.code.startswith(f"q{year}-")).limit(5):
        submissions.save_value(cycle, unit, "A2", "4", "", None, reporter)
    lifecycle.transition(cycle, "review", admin)
    publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


def _queries(client, url: str) -> int:
    with count_queries() as n:
        assert client.get(url).status_code == 200
    return n()


def test_query_counts_do_not_grow_with_units(as_user, db):
    small = _cycle_with_units(10, 2030)
    large = _cycle_with_units(500, 2031)
    admin = as_user("admin")
    for page in ("", "/ranking", "/ranking?kind=county"):
        few = _queries(admin, f"/cycles/{small.id}{page}")
        many = _queries(admin, f"/cycles/{large.id}{page}")
        assert few == many, f"{page}: {few} queries for 10 units, {many} for 500"
    inspector = as_user("inspector")
    assert _queries(inspector, f"/cycles/{small.id}/inspection/") == _queries(
        inspector, f"/cycles/{large.id}/inspection/"
    )
