"""Every page, as every demo role sees it, passes axe-core's WCAG 2.1 A and AA rules
(GB/T 37668-2019 asks the same of government sites).

A server of its own holds the whole demo (``tests/e2e/server.py --demo full``: published,
in-review and open cycles, the nomination round with a ranking run, an open round) and
writes the site map of ``tests/e2e/site_map.py``: every GET rule of the app's ``url_map``,
filled with the demo's ids. Each account below signs in through the login form and opens
every such URL; what it may not see (403, 404) is not its page. Each page it may see gets
axe-core injected (``scripts/install-axe.sh`` installs the pinned version; ``make test``
runs it) and must show no violation of the ``wcag2a``, ``wcag2aa``, ``wcag21a`` and
``wcag21aa`` rules; a failure lists each violation with the page, the rule, its help text
and the offending elements. The last test checks that every page was seen by someone.

Not visited, by design: routes without GET (forms post to them; their pages are visited),
and the downloads in :data:`DOWNLOADS` (files, not pages). A GET rule answering anything
but HTML fails, so a new download must be named there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e import site_map
from tests.e2e.conftest import Cast, serve

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: One account per demo role, and the accounts whose own pages the others do not reach:
#: a member department's reporter and a nomination reviewer.
ACCOUNTS = [None, "admin", "inspector", "viewer", "r-410105", "r-dept-rsj", site_map.REVIEWER]
#: GET routes that send a file, not a page (endpoint: what it sends).
DOWNLOADS = {
    "static": "the style sheet and script",
    "main.health": "the health check's JSON",
    "main.health_ready": "the readiness check's JSON",
    "cycles.export_results": "results .xlsx",
    "ledger.export": "the claimed-vs-verified ledger (核减台账) .xlsx",
    "selfreport.template": "the Excel fill-in template",
    "evidence.download": "an evidence file",
    "evidence.thumbnail": "an evidence image's thumbnail",
    "nominations.download_evidence": "a nomination's evidence file",
    "nominations.awards_pdf": "the award list PDF",
    "nominations.awards_xlsx": "the award list .xlsx",
    "nominations.run_reviews_csv": "a ranking run's reviews CSV",
    "reports.summary_pdf": "the city summary PDF",
    "reports.unit_pdf": "a unit's inspection report PDF",
    "reports.job_download": "a report batch's zip",
    "library.shipped_xlsx": "a shipped indicator set as .xlsx",
    "library.cycle_xlsx": "a cycle's indicator set as .xlsx",
    "library.shipped_clauses_xlsx": "a shipped set's policy trace as .xlsx",
    "library.cycle_clauses_xlsx": "a cycle's policy trace as .xlsx",
    "units.export_tree": "the unit tree as .xlsx",
    "api_docs.openapi": "the API's OpenAPI document (JSON)",
}
#: GET routes that only send the browser on (endpoint: where to).
REDIRECTS = {
    "notifications.follow": "the page a notification links to, once it is marked read",
}
#: Pages that end the session or need it ended: visited signed out only.
SIGNED_OUT_ONLY = {"auth.login"}
#: Blueprints that answer programs, not people: JSON for a bearer token (tests/api covers them).
MACHINE_BLUEPRINTS = ("api.",)


def is_page(endpoint: str) -> bool:
    """Whether a GET route answers with a page a person reads (not a file, a redirect or JSON)."""
    return endpoint not in DOWNLOADS | REDIRECTS and not endpoint.startswith(MACHINE_BLUEPRINTS)


# rule -> accounts that saw it as a page (filled by the tests below, read by the last one)
_seen: dict[str, list[str]] = {}
_accounts_done: set[str | None] = set()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """(base URL, site map) of a server with the whole demo."""
    folder = tmp_path_factory.mktemp("a11y")
    with serve(folder, "--demo", "full", seconds=120) as url:
        yield url, site_map.read(folder / "instance")


@pytest.fixture(scope="module")
def cast(browser, demo_site):
    """This module's people sign in to the full-demo server, not the scenarios' one."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/install-axe.sh (`make test` does)")
    people = Cast(browser, demo_site[0])
    yield people
    people.close()


def pages(site: dict, account: str | None) -> list[tuple[str, str]]:
    """(rule, URL) of every page to open as ``account``."""
    found = []
    for rule in sorted(site["rules"], key=lambda r: r["rule"]):
        if "GET" not in rule["methods"] or not is_page(rule["endpoint"]):
            continue
        if rule["endpoint"] in SIGNED_OUT_ONLY and account is not None:
            continue
        urls = site_map.urls(rule["rule"], site["contexts"])
        if not urls:
            missing = site_map.arguments(rule["rule"])
            pytest.fail(f"{rule['rule']}: no demo context has {missing}; add one in site_map.py")
        found.extend((rule["rule"], url) for url in urls)
    return found


def axe_violations(page) -> list[dict]:
    """axe-core's violations of :data:`TAGS` on the page (injected by ``add_init_script``)."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    return result["violations"]


def describe(url: str, violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        lines.append(f"{url}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            target = " ".join(json.dumps(t, ensure_ascii=False) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}\n      {node['html'][:160]}\n      {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more elements")
    return lines


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda a: a or "signed-out")
def test_every_page_passes_axe(act, demo_site, account):
    page = act(account)
    # Into every document before its own scripts, past the app's Content-Security-Policy.
    page.context.add_init_script(path=str(AXE))
    problems: list[str] = []
    for rule, url in pages(demo_site[1], account):
        response = page.goto(url)
        if response.status in (403, 404):  # not this account's page
            continue
        if response.status != 200 or not response.headers["content-type"].startswith("text/html"):
            problems.append(f"{url}: {response.status} {response.headers['content-type']}")
            continue
        if response.request.redirected_from is not None:
            continue  # sent elsewhere (to sign in, to the cycle): that page is visited itself
        _seen.setdefault(rule, []).append(account or "signed-out")
        violations = axe_violations(page)
        problems.extend(describe(url, violations))
    _accounts_done.add(account)
    assert not problems, f"{len(problems)} problem lines for {account}:\n" + "\n".join(problems)


def test_every_page_was_seen(demo_site):
    if _accounts_done != set(ACCOUNTS):
        pytest.skip("only some accounts' pages were visited in this run")
    rules = {
        r["rule"] for r in demo_site[1]["rules"] if "GET" in r["methods"] and is_page(r["endpoint"])
    }
    unseen = sorted(rules - set(_seen))
    assert not unseen, f"no demo account could open these pages: {unseen}"
