"""The authorisation matrix: every URL rule of the app × every role, on real objects.

``EXPECTED`` says, for every endpoint, what each role gets: the admin, an inspector, a
viewer, the reporter of unit A (whose data the URLs point at), a reporter of another unit,
an anonymous visitor, and unit A's own office (an admin scoped to A's subtree, 区办公室),
to whom the world's cycles are the city's: of them it reads only A's published results. ``sample_args`` fills every URL parameter with a real object of
the world (``conftest.World``). A route missing from ``EXPECTED``, or with a parameter the
samples cannot fill, fails the suite: whoever adds a route must say who may use it.
"""

from __future__ import annotations

import re

import pytest

from tests.security.conftest import ROLES

OK, FORBIDDEN, HIDDEN, LOGIN = "ok", 403, 404, "login"

ALL_SIGNED_IN = {"admin": OK, "inspector": OK, "viewer": OK, "reporter": OK, "other": OK}


def row(admin, inspector, viewer, reporter, other, anon=LOGIN, office=None) -> dict[str, object]:
    """One endpoint's statuses; ``office`` (unit A's office) defaults to what the city's
    cycle pages give it: 404, the city's cycles being beyond its scope."""
    return {
        "admin": admin,
        "inspector": inspector,
        "viewer": viewer,
        "reporter": reporter,
        "other": other,
        "anon": anon,
        "office": HIDDEN if office is None else office,
    }


PUBLIC = row(OK, OK, OK, OK, OK, anon=OK, office=OK)
EVERYONE = row(OK, OK, OK, OK, OK, office=OK)
# The city office's own work: accounts, units, the audit log, channels, nomination rounds.
CITY_ONLY = row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=FORBIDDEN)
# The office's work on one of the city's cycles: another level's office is told nothing.
ADMIN_ONLY = row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)
STAFF_ONLY = row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN)
# Read a unit's results: everyone signed in, a reporter only its own unit (404 otherwise);
# unit A's office its own unit's published results of the city's cycle.
UNIT_READ = row(OK, OK, OK, OK, HIDDEN, office=OK)
# Read a unit's self-report in progress: staff and the unit itself; leaders read results only.
SELF_REPORT_READ = row(OK, OK, FORBIDDEN, OK, HIDDEN)
# Write a unit's self-report: only its own reporters; another unit's reporter is told nothing.
UNIT_WRITE = row(FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, HIDDEN, office=FORBIDDEN)
RESULTS_TABLE = row(OK, OK, OK, FORBIDDEN, FORBIDDEN)
EVIDENCE_READ = row(OK, OK, FORBIDDEN, OK, HIDDEN)
# The JSON API answers bearer tokens only: a signed-in session is no credential there (so
# the API needs no CSRF token). tests/api walks it with each role's token.
TOKEN_ONLY = row(401, 401, 401, 401, 401, anon=401, office=401)

EXPECTED: dict[str, dict[str, object]] = {
    # main, auth, units
    "main.home": EVERYONE,
    "main.health": PUBLIC,
    "main.health_ready": PUBLIC,
    "main.set_language": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": EVERYONE,
    "auth.change_password": EVERYONE,
    "units.tree": EVERYONE,
    # personal API tokens (接口令牌): everyone manages their own; no such token is a 404
    "auth.api_tokens": EVERYONE,
    "auth.revoke_api_token": row(HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, office=HIDDEN),
    # the JSON API and its document
    "api.units": TOKEN_ONLY,
    "api.cycles": TOKEN_ONLY,
    "api.cycle_results": TOKEN_ONLY,
    "api.cycle": TOKEN_ONLY,
    "api.transition": TOKEN_ONLY,
    "api.self_report_item": TOKEN_ONLY,
    "api.save_self_report_item": TOKEN_ONLY,
    "api.submit": TOKEN_ONLY,
    "api.upload_evidence": TOKEN_ONLY,
    "api.indicator_sets": TOKEN_ONLY,
    "api.indicators": TOKEN_ONLY,
    "api.cycle_submissions": TOKEN_ONLY,
    "api.self_report": TOKEN_ONLY,
    "api.nomination_rounds": TOKEN_ONLY,
    "api.round_awards": TOKEN_ONLY,
    "api_docs.openapi": PUBLIC,
    "api_docs.docs": PUBLIC,
    # administration
    "users.index": CITY_ONLY,
    "users.edit": CITY_ONLY,
    # service accounts (服务账号) and their tokens; no such token under one is a 404
    "service_accounts.index": CITY_ONLY,
    "service_accounts.detail": CITY_ONLY,
    "service_accounts.set_active": CITY_ONLY,
    "service_accounts.revoke_token": row(
        HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=FORBIDDEN
    ),
    "units.unit_list": CITY_ONLY,
    "units.edit_unit": CITY_ONLY,
    "units.export_tree": CITY_ONLY,
    "units.import_tree": CITY_ONLY,
    "audit.index": CITY_ONLY,
    # cycles
    "cycles.index": EVERYONE,
    "cycles.new": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=OK),
    # a reporter is redirected to its own unit's page; the open city cycle is beyond A's office
    "cycles.overview": {**EVERYONE, "office": HIDDEN},
    "cycles.transition": ADMIN_ONLY,
    "cycles.edit_deadlines": ADMIN_ONLY,
    "cycles.grant_extension": ADMIN_ONLY,
    # The world grants no extension, so the office gets a 404: the guard is what is tested.
    "cycles.publish": ADMIN_ONLY,
    "cycles.revoke_extension": row(HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "cycles.assignments": ADMIN_ONLY,
    "cycles.set_override": ADMIN_ONLY,
    "cycles.ranking": RESULTS_TABLE,
    "cycles.export_results": RESULTS_TABLE,
    # the claimed-vs-verified ledger (核减台账): every unit's published figures side by side;
    # an office reads the cycles its subtree runs (test_scoped_offices)
    "ledger.index": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, office=OK),
    "ledger.export": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, office=OK),
    "cycles.unit_result": UNIT_READ,
    "cycles.set_appeal_due": ADMIN_ONLY,
    # the what-if simulation of the draft cycle (权重模拟): the office only; it writes nothing
    # the what-if of the city's draft: another level's office is told nothing of it
    "whatif.simulate": ADMIN_ONLY,
    # appeals (复核申诉): a unit's are read with its results; its reporter files (outside
    # the window: refused with a message, nothing changed); staff list and answer (no such
    # appeal in this world: staff get a 404, everyone else is refused before looking)
    "appeals.unit_appeals": UNIT_READ,
    "appeals.file": UNIT_WRITE,
    "appeals.cycle_appeals": RESULTS_TABLE,
    "appeals.answer": row(HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # the indicator library: the office edits a draft's set, the inspectors read
    "library.index": row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=OK),
    "library.shipped": row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=OK),
    "library.shipped_xlsx": row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=OK),
    "library.cycle_set": STAFF_ONLY,
    "library.cycle_xlsx": STAFF_ONLY,
    "library.shipped_clauses": row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=OK),
    "library.shipped_clauses_xlsx": row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=OK),
    "library.cycle_clauses": STAFF_ONLY,
    "library.cycle_clauses_xlsx": STAFF_ONLY,
    "library.edit_values": ADMIN_ONLY,  # the open cycle's set is frozen: refused, not changed
    "library.import_xlsx": ADMIN_ONLY,
    # self-report
    "selfreport.unit_page": SELF_REPORT_READ,
    "selfreport.template": SELF_REPORT_READ,
    "selfreport.save_item": UNIT_WRITE,
    "selfreport.save_page": UNIT_WRITE,
    "selfreport.autosave": UNIT_WRITE,
    "selfreport.submit": UNIT_WRITE,
    "selfreport.upload_template": UNIT_WRITE,
    "selfreport.respond": UNIT_WRITE,
    "selfreport.withdraw_item": UNIT_WRITE,
    "selfreport.withdraw": UNIT_WRITE,
    # inspection
    "inspection.queue": STAFF_ONLY,
    "inspection.review": STAFF_ONLY,
    "inspection.bulk_verify": STAFF_ONLY,
    "inspection.demand": STAFF_ONLY,
    "inspection.close": STAFF_ONLY,
    "inspection.sample": STAFF_ONLY,
    "inspection.draw_sample": ADMIN_ONLY,
    # evidence files
    "evidence.download": EVIDENCE_READ,
    "evidence.thumbnail": EVIDENCE_READ,
    "evidence.delete": UNIT_WRITE,
    # PDF reports (rendering is stubbed in this walk: it tests the guard, not WeasyPrint)
    "reports.unit_pdf": UNIT_READ,
    "reports.summary_pdf": RESULTS_TABLE,
    "reports.start_batch": ADMIN_ONLY,
    "reports.job": ADMIN_ONLY,
    "reports.job_download": ADMIN_ONLY,
    # Only a failed job is restarted; the sample job has finished, so the office gets a 404.
    "reports.restart_job": row(HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # notifications: everyone has their own; one of them is unit A's reporter's alone
    "notifications.index": EVERYONE,
    "notifications.read_all": EVERYONE,
    "notifications.follow": row(HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN),
    "notifications.chase_units": ADMIN_ONLY,
    # delivery channels (消息渠道): the office's; 接收设置: everyone their own
    "delivery.settings": CITY_ONLY,
    "delivery.defaults": CITY_ONLY,
    "delivery.units": CITY_ONLY,
    "delivery.unit_contact": CITY_ONLY,
    "delivery.failed": CITY_ONLY,
    # no such delivery: the office gets a 404, everyone else is refused before looking
    "delivery.retry": row(HIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=FORBIDDEN),
    "delivery.my_preferences": EVERYONE,
    # nominations: the round's pages. The round is the city's: unit A's office lists the
    # rounds its own level runs (none here) and is told nothing of the city's (404);
    # test_round_owner walks an office's own round.
    "nominations.index": EVERYONE,
    "nominations.round_page": {**EVERYONE, "office": HIDDEN},  # each role: its own view
    "nominations.awards": {**EVERYONE, "office": HIDDEN},
    "nominations.awards_print": {**EVERYONE, "office": HIDDEN},
    "nominations.awards_pdf": {**EVERYONE, "office": HIDDEN},
    "nominations.awards_xlsx": row(OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, office=HIDDEN),
    # own unit's list
    "nominations.nomination_list": row(OK, FORBIDDEN, FORBIDDEN, OK, OK, office=HIDDEN),
    "nominations.new_nomination": row(FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, office=FORBIDDEN),
    # nominations: one nomination of unit A (the inspector is its assigned reviewer)
    "nominations.nomination_page": row(OK, OK, HIDDEN, OK, HIDDEN, office=HIDDEN),
    "nominations.edit_nomination": UNIT_WRITE,
    "nominations.withdraw": UNIT_WRITE,
    "nominations.upload_evidence": UNIT_WRITE,
    "nominations.delete_evidence": UNIT_WRITE,
    "nominations.download_evidence": EVIDENCE_READ,  # the office: 404, it opens no nomination
    # nominations: review (panel members; the admin is not one, so has no sheet: 404)
    "nominations.my_reviews": {**STAFF_ONLY, "office": HIDDEN},
    "nominations.conflicts": {**STAFF_ONLY, "office": HIDDEN},
    "nominations.declare_conflict": {**STAFF_ONLY, "office": HIDDEN},
    "nominations.review": row(HIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, office=HIDDEN),
    # nominations: the office's set-up, assignment, ranking and confirmation; any office
    # starts a round of its own level
    "nominations.new_round": {**CITY_ONLY, "office": OK},
    **{
        f"nominations.{name}": {**CITY_ONLY, "office": HIDDEN}
        for name in (
            "edit_round",
            "edit_categories",
            "edit_criteria",
            "edit_panel",
            "assignments",
            "assign",
            "edit_reviewers",
            "ranking",
            "run_page",
            "run_reviews_csv",
            "decide",
            "confirm",
            "record",
        )
    },
}

# URL parameter -> World attribute (or a literal in LITERALS) used to fill it.
SAMPLES = {
    "cycle_id": "open_cycle",
    "unit_id": "unit_a",
    "submission_id": "submission",
    "evidence_id": "evidence_png",  # an image, so its thumbnail exists
    "rect_id": "rectification",
    "assignment_id": "assignment",
    "user_id": "viewer_user",
    "round_id": "round",
    "nomination_id": "nomination",
    "run_id": "run",
    "notification_id": "notification",
    "account_id": "service_account",
}
LITERALS = {
    "code": "A1",  # an indicator of unit A
    "key": "zz-2011-county",  # a shipped indicator set
    "state": "archived",  # a transition the open cycle refuses: the walk changes nothing
    "job_id": "0" * 31 + "1",
    "delivery_id": "999999",
    "appeal_id": "999999",  # no such appeal (复核申诉)
    "token_id": "999999",  # no such API token: revoking it changes nothing
    "extension_id": "999999",  # no such extension (延期)  # a finished batch job, written by the fast_reports fixture
}
# Endpoints whose parameters need other objects than the defaults.
OVERRIDES: dict[str, dict[str, object]] = {
    "main.set_language": {"code": "en"},
    "cycles.ranking": {"cycle_id": "published_cycle"},
    "whatif.simulate": {"cycle_id": "draft_cycle"},
    "cycles.export_results": {"cycle_id": "published_cycle"},
    "cycles.unit_result": {"cycle_id": "published_cycle"},
    "appeals.unit_appeals": {"cycle_id": "published_cycle"},
    "appeals.file": {"cycle_id": "published_cycle"},
    "appeals.cycle_appeals": {"cycle_id": "published_cycle"},
    "appeals.answer": {"cycle_id": "published_cycle"},
    "reports.unit_pdf": {"cycle_id": "published_cycle"},
    "reports.summary_pdf": {"cycle_id": "published_cycle"},
    "reports.start_batch": {"cycle_id": "published_cycle"},
    "nominations.download_evidence": {"evidence_id": "nomination_evidence"},
    "nominations.delete_evidence": {"evidence_id": "nomination_evidence"},
}
# Run after every other request of a role's walk, in this order: they end or change state.
LAST = (
    "nominations.declare_conflict",
    "nominations.delete_evidence",
    "nominations.withdraw",
    "evidence.delete",
    "auth.logout",
)


@pytest.fixture
def fast_reports(app, monkeypatch):
    """Stand-ins for the slow work behind report routes (PDF rendering, the queue), and a
    finished batch job for the job pages. The guard in front of them is what is tested."""
    import io

    from assess.core.db import database
    from assess.evidence import objects
    from assess.nominations import exports
    from assess.reports import jobs as report_jobs
    from assess.reports import views
    from assess.reports.models import Job

    pdf = b"%PDF-1.4\n% stand-in\n%%EOF\n"
    for name in ("render_unit_report", "render_city_summary"):
        monkeypatch.setattr(views, name, lambda data: pdf, raising=False)
    monkeypatch.setattr(exports, "award_pdf", lambda award, with_scores=False: pdf)
    job_id = LITERALS["job_id"]
    monkeypatch.setattr(report_jobs, "start_batch", lambda cycle, actor: job_id)
    key = report_jobs.zip_key(job_id)
    objects.put(app.config, key, io.BytesIO(b"PK\x05\x06" + b"\x00" * 18))
    database.connect(reuse_if_open=True)
    Job.create(
        id=job_id, kind=report_jobs.REPORT_BATCH, state="done", total=1, done=1, result_key=key
    )
    database.close()


def rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def sample_args(world, rule) -> dict[str, object]:
    """Real values for every parameter of ``rule``; KeyError names a parameter it cannot fill."""
    values = {}
    overrides = OVERRIDES.get(rule.endpoint, {})
    for name in rule.arguments:
        source = overrides.get(name, SAMPLES.get(name, LITERALS.get(name)))
        if source is None:
            raise KeyError(f"{rule.endpoint}: no sample for <{name}>")
        values[name] = getattr(world, source) if source in world.__dataclass_fields__ else source
    return values


def build_url(rule, values) -> str:
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), url)
    return url


def requests_of(app, world):
    """(endpoint, method, url) for every rule and method, destructive ones last."""
    out = []
    for rule in rules(app):
        try:
            url = build_url(rule, sample_args(world, rule))
        except KeyError:
            continue  # reported by test_every_route_parameter_has_a_sample
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))

    def order(item):
        endpoint, method, url = item
        last = LAST.index(endpoint) + 1 if endpoint in LAST else 0
        return (last, method != "GET", endpoint, url)

    return sorted(out, key=order)


def test_every_route_is_in_the_table(app):
    endpoints = {r.endpoint for r in rules(app)}
    missing = sorted(endpoints - set(EXPECTED))
    stale = sorted(set(EXPECTED) - endpoints)
    assert missing == [], f"routes without an expected status per role: {missing}"
    assert stale == [], f"table entries for routes that no longer exist: {stale}"
    for endpoint, expected in EXPECTED.items():
        assert set(expected) == set(ROLES), endpoint


def test_every_route_parameter_has_a_sample(app, world):
    problems = []
    for rule in rules(app):
        try:
            sample_args(world, rule)
        except KeyError as exc:
            problems.append(str(exc))
    assert problems == [], "extend SAMPLES/LITERALS/OVERRIDES for: " + "; ".join(problems)


def _verdict(expected, method: str, response) -> str | None:
    """None when ``response`` is what ``expected`` allows, else a description."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status >= 500:
        return f"{status} (server error)"
    if expected == OK:
        if status in (401, 403, 404, 405) or "/auth/login?next=" in location:
            return f"{status} {location}, expected access"
        if method == "GET" and status not in (200, 302):
            return f"{status}, expected 200 or a redirect"
        return None
    if expected == LOGIN:
        if method == "GET":
            if status == 302 and "/auth/login" in location:
                return None
            return f"{status} {location}, expected a redirect to the login page"
        return None if status == 401 else f"{status}, expected 401"
    return None if status == expected else f"{status}, expected {expected}"


@pytest.mark.parametrize("role", ROLES)
def test_matrix(app, world, clients, fast_reports, role):
    client = clients(role)
    failures = []
    for endpoint, method, url in requests_of(app, world):
        expected = EXPECTED.get(endpoint, {}).get(role)
        if expected is None:
            continue  # reported by test_every_route_is_in_the_table
        response = client.open(url, method=method)
        problem = _verdict(expected, method, response)
        if problem:
            failures.append(f"{role} {method} {url} [{endpoint}]: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["viewer", "reporter"])
def test_draft_cycle_is_invisible_outside_staff(app, world, clients, role):
    """A draft cycle answers 404 to everyone but the office and the inspectors (a viewer
    is refused self-report pages by role first, 403 for every cycle alike, which says
    nothing about the draft)."""
    client = clients(role)
    base = f"/cycles/{world.draft_cycle}"
    urls = [
        f"{base}",
        f"{base}/units/{world.unit_a}/",
        f"{base}/units/{world.unit_a}/template.xlsx",
    ]
    for url in urls:
        expected = {404, 403} if role == "viewer" and "/units/" in url else {404}
        assert client.get(url).status_code in expected, url
    assert f"/cycles/{world.draft_cycle}" not in client.get("/cycles/").data.decode()


def test_nomination_evidence_through_the_generic_routes(world, clients):
    """/evidence/<id> serves nomination files under the round's rules too, and never
    deletes one (that is the nomination page's job, within the window)."""
    expected = row(OK, OK, FORBIDDEN, OK, HIDDEN)
    failures = []
    for role in ROLES:
        response = clients(role).get(f"/evidence/{world.nomination_evidence}")
        problem = _verdict(expected[role], "GET", response)
        if problem:
            failures.append(f"{role}: {problem}")
    response = clients("reporter").post(f"/evidence/{world.nomination_evidence}/delete")
    if response.status_code != 404:
        failures.append(f"reporter deleted a nomination file: {response.status_code}")
    assert not failures, "\n".join(failures)
