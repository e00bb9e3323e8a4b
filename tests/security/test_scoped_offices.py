"""Offices at every level (各级办公室): unit A's office (金水区, an admin scoped to A's
subtree) runs its own cycles of its townships as the city office runs the city's, reaches
nothing of another county's cycles, and of the city's cycles only its own unit's published
results (that part is in the route table of ``test_authz_matrix``).

The world adds to ``conftest.World``: a cycle of A's office open for its townships and one
published, and the same two of 二七区's office (another county, B here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from urllib.parse import urlsplit

import peewee
import pytest

from assess.accounts.models import User
from assess.core.db import database
from assess.cycles import lifecycle, publishing
from assess.cycles.models import Assignment, Cycle
from assess.units.models import Unit
from indicators import shipped_sets
from tests.security.test_authz_matrix import fast_reports, requests_of  # noqa: F401

TOWNSHIP_SET = "county-variant-township"
A_OFFICE = "金水区流动人口服务管理工作领导小组办公室"


@dataclass(frozen=True)
class Owned:
    a_open: int
    a_published: int
    b_open: int
    b_published: int
    a_township: int  # 经八路街道, under 金水区
    b_township: int  # 淮河路街道, under 二七区
    a_draft: int
    b_draft: int


def _owned_cycle(owner: Unit, name: str, published: bool, draft: bool = False) -> Cycle:
    admin = User.get(User.username == "admin")
    text = shipped_sets()[TOWNSHIP_SET].read_text("utf-8")
    year = 2027 if draft else 2026
    cycle = lifecycle.create_cycle(year, name, text, TOWNSHIP_SET, actor=admin, owner=owner)
    if draft:
        return Cycle.get_by_id(cycle.id)
    lifecycle.transition(cycle, "open", admin)
    if published:
        lifecycle.transition(cycle, "review", admin)
        publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


@pytest.fixture
def owned(world, db) -> Owned:
    a, b = Unit.by_code("410105"), Unit.by_code("410103")
    return Owned(
        _owned_cycle(a, "金水区乡镇考核", False).id,
        _owned_cycle(a, "金水区乡镇考核（已公布）", True).id,
        _owned_cycle(b, "二七区乡镇考核", False).id,
        _owned_cycle(b, "二七区乡镇考核（已公布）", True).id,
        Unit.by_code("410105-001").id,
        Unit.by_code("410103-001").id,
        _owned_cycle(a, "金水区乡镇考核（草稿）", False, draft=True).id,
        _owned_cycle(b, "二七区乡镇考核（草稿）", False, draft=True).id,
    )


def test_an_owned_cycle_assesses_only_units_below_its_owner(app, owned):
    with app.app_context():
        database.connect(reuse_if_open=True)
        assessed = {
            a.unit.code for a in Assignment.select().where(Assignment.cycle == owned.a_open)
        }
        database.close()
    assert assessed == {"410105-001", "410105-002"}  # 金水区's townships, not 淮河路街道


@pytest.fixture
def cycle_routes(app, world, fast_reports):  # noqa: F811
    """cycle_routes(open, published, unit, draft) -> (endpoint, method, url) of every route
    that names a cycle, pointed at those cycles (the published one where the matrix uses
    the published cycle, the draft where it uses the draft) and unit, report rendering
    stubbed."""
    naming = {r.endpoint for r in app.url_map.iter_rules() if "cycle_id" in r.arguments}

    def routes(cycle_id: int, published_id: int, unit_id: int, draft_id: int):
        moved = replace(
            world,
            open_cycle=cycle_id,
            published_cycle=published_id,
            unit_a=unit_id,
            draft_cycle=draft_id,
        )
        return [r for r in requests_of(app, moved) if r[0] in naming]

    return routes


def test_an_office_runs_its_own_cycles_as_the_city_office_does(owned, clients, cycle_routes):
    """Every route of A's own cycles answers A's office as it answers the city office."""
    office, admin = clients("office"), clients("admin")
    differences, reached = [], set()
    for endpoint, method, url in cycle_routes(
        owned.a_open, owned.a_published, owned.a_township, owned.a_draft
    ):
        ours, theirs = office.open(url, method=method), admin.open(url, method=method)
        assert ours.status_code < 500, f"{method} {url}: {ours.status_code}"
        if ours.status_code != theirs.status_code:
            differences.append(
                f"{method} {url} [{endpoint}]: {ours.status_code} != {theirs.status_code}"
            )
        if method == "GET" and ours.status_code == 200:
            reached.add(endpoint)
    assert differences == []
    assert {
        "cycles.overview",
        "cycles.assignments",
        "cycles.edit_deadlines",
        "cycles.publish",
        "cycles.ranking",
        "cycles.unit_result",
        "library.cycle_set",
        "inspection.queue",
        "selfreport.unit_page",
        "appeals.cycle_appeals",
        "whatif.simulate",
    } <= reached


def test_an_office_reaches_nothing_of_another_countys_cycles(owned, clients, cycle_routes):
    office, admin = clients("office"), clients("admin")
    leaks = []
    for endpoint, method, url in cycle_routes(
        owned.b_open, owned.b_published, owned.b_township, owned.b_draft
    ):
        status = office.open(url, method=method).status_code
        # The JSON API ignores the session (401 to any cookie); tests/api walks it by token.
        refused = (401,) if endpoint.startswith("api.") else (403, 404)
        if status not in refused:
            leaks.append(f"{method} {url} [{endpoint}]: {status}")
    assert leaks == []
    # The city office reads every level.
    assert admin.get(f"/cycles/{owned.b_open}").status_code == 200
    assert admin.get(f"/cycles/{owned.b_published}/ranking").status_code == 200
    listed = office.get("/cycles/").data.decode()
    assert "二七区乡镇考核" not in listed and "金水区乡镇考核" in listed


def test_an_office_creates_a_cycle_of_its_own(app, clients, world):
    office = clients("office")
    response = office.post(
        "/cycles/new",
        data={
            "year": 2027,
            "name": "金水区2027乡镇考核",
            "shipped_set": TOWNSHIP_SET,
            "previous": 0,
        },
    )
    assert response.status_code == 302, response.data.decode()[:500]
    with app.app_context():
        database.connect(reuse_if_open=True)
        cycle = Cycle.get(Cycle.name == "金水区2027乡镇考核")
        units = {u.code for u in lifecycle.units_in(cycle)}
        owner = cycle.owner.code
        database.close()
    assert owner == "410105"
    assert units == {"410105-001", "410105-002"}


def test_an_owned_cycle_is_issued_by_its_owner(app, owned, clients):
    from assess.reports.content import assessed_area, city_summary, unit_report

    page = clients("office").get(f"/cycles/{owned.a_published}/ranking").data.decode()
    assert A_OFFICE in page
    city_page = clients("admin").get(f"/cycles/{owned.a_published}/ranking").data.decode()
    assert A_OFFICE in city_page  # the city office reads it as issued by A's office
    with app.app_context():
        database.connect(reuse_if_open=True)
        cycle = Cycle.get_by_id(owned.a_published)
        report = unit_report(cycle, Unit.get_by_id(owned.a_township), "郑州市办公室")
        summary = city_summary(cycle, "郑州市办公室")
        city_cycle = Cycle.get(Cycle.owner.is_null())
        city_area = assessed_area(city_cycle)
        database.close()
    assert report.issuing_office == A_OFFICE
    assert summary.issuing_office == A_OFFICE
    assert city_cycle.owner_id is None
    # 金水区's reports speak of its own area (全区), the city's of the city's.
    assert (report.area, summary.area) == ("全区", "全区")
    assert city_area == "全市"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def test_crawl_of_a_county_office(app, world, owned, clients):
    """Follow every link from the office's home: nothing 500s, no page of another county's
    cycle or of a unit outside A's subtree is reached, and no page names B's township."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        subtree = Unit.subtree_of(Unit.by_code("410105").id)
        database.close()
    office = clients("office")
    foreign_cycles = {owned.b_open, owned.b_published}
    seen, todo, problems = set(), ["/"], []
    while todo and len(seen) < 400:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = office.get(url)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        if response.status_code in (301, 302, 303):
            todo.append(
                urlsplit(response.headers["Location"])._replace(scheme="", netloc="").geturl()
            )
            continue
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        body = response.data.decode()
        if "淮河路街道" in body or "二七区乡镇考核" in body:
            problems.append(f"{url}: shows another county's unit or cycle")
        for match in re.finditer(r"/cycles/(\d+)", url):
            if int(match.group(1)) in foreign_cycles:
                problems.append(f"{url}: another county's cycle")
        for match in re.finditer(r"/units/(\d+)", url):
            if int(match.group(1)) not in subtree:
                problems.append(f"{url}: a unit outside 金水区")
        parser = _Links()
        parser.feed(body)
        for href in parser.links:
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static"):
                continue
            if parts.path in ("/auth/logout",) or parts.path.endswith((".pdf", ".xlsx", ".zip")):
                continue
            todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert problems == []
    assert any(f"/cycles/{owned.a_open}" in u for u in seen)  # its own cycle is linked
    # the city's published cycle: its own unit's results, through the overview's redirect
    assert f"/cycles/{world.published_cycle}/units/{world.unit_a}/result" in seen
    assert len(seen) > 20


def test_the_city_office_scopes_an_account_and_the_office_cannot(app, clients, world):
    form = {
        "username": "office-410103",
        "display_name": "二七区办公室",
        "role": "admin",
        "unit": "0",
        "password": "secret-pass-1",
        "active": "y",
    }
    with app.app_context():
        database.connect(reuse_if_open=True)
        form["scope"] = str(Unit.by_code("410103").id)
        database.close()
    assert clients("office").post("/admin/users/new", data=form).status_code == 403
    assert clients("admin").post("/admin/users/new", data=form).status_code == 302
    with app.app_context():
        database.connect(reuse_if_open=True)
        made = User.get(User.username == "office-410103")
        assert made.scope_unit.code == "410103"
        assert made.scope_ids == Unit.subtree_of(made.scope_unit_id)
        database.close()
    # The user list shows the scope beside each account, the city's accounts as 全市.
    listing = clients("admin").get("/admin/users?q=office-41010").get_data(as_text=True)
    row = listing.split("<td>office-410103</td>", 1)[1].split("</tr>", 1)[0]
    assert "二七区" in row
    listing = clients("admin").get("/admin/users?q=admin").get_data(as_text=True)
    city_row = listing.split("<td>admin</td>", 1)[1].split("</tr>", 1)[0]
    assert "全市" in city_row


def test_a_cycle_name_is_unique_per_owner_not_across_offices(app, owned):
    with app.app_context():
        database.connect(reuse_if_open=True)
        admin = User.get(User.username == "admin")
        text = shipped_sets()[TOWNSHIP_SET].read_text("utf-8")
        a, b = Unit.by_code("410105"), Unit.by_code("410103")
        # B's office may use the name A's office already uses, and so may the city.
        twin = lifecycle.create_cycle(2026, "金水区乡镇考核", text, TOWNSHIP_SET, owner=b)
        city = lifecycle.create_cycle(2026, "金水区乡镇考核", text, TOWNSHIP_SET, actor=admin)
        assert (twin.owner_id, city.owner_id) == (b.id, None)
        # The same owner twice is refused, by the check and by the database itself.
        for owner in (a, None):
            with pytest.raises(lifecycle.CycleError, match="已存在同年度同名"):
                lifecycle.create_cycle(2026, "金水区乡镇考核", text, TOWNSHIP_SET, owner=owner)
            with pytest.raises(peewee.IntegrityError), database.atomic():
                Cycle.insert(year=2026, name="金水区乡镇考核", owner=owner).execute()
        database.close()


def test_an_office_reads_the_ledger_of_its_own_cycles_only(app, owned, clients):
    from assess.cycles.ledger import ledger_rows

    with app.app_context():
        database.connect(reuse_if_open=True)
        office = User.get(User.username == "office-410105")
        city_rows = ledger_rows()
        own_rows = ledger_rows(owners=office.scope_ids)
        database.close()
    # The city's published cycle has lines, of 金水区 itself among them; none reaches the
    # office's ledger, which keeps to the cycles 金水区 and its townships run.
    assert city_rows
    assert all(r.cycle_id in (owned.a_open, owned.a_published) for r in own_rows)
    assert not {r.cycle_id for r in city_rows} & {r.cycle_id for r in own_rows}
    rows = re.compile(r'<table class="grid ledger">.*?<tbody>(.*?)</tbody>', re.S)
    city_page = clients("admin").get("/ledger/").get_data(as_text=True)
    office_page = clients("office").get("/ledger/").get_data(as_text=True)
    assert "<tr" in rows.search(city_page).group(1)
    found = rows.search(office_page)
    assert found is None or "<tr" not in found.group(1)
