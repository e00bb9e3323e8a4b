"""Every free-text field, typed through the real forms with a script payload, comes back
escaped on every page that shows it (and in flash messages), never as markup.

One walk per payload: the office renames a unit and a reporter, creates a cycle from an
uploaded indicator set whose names carry the payload; the reporter writes a narrative and
uploads a file named with it; an inspector returns the item, verifies another with a
verified value and a deduction, demands a rectification, the unit answers, the inspector
closes it; the office publishes and republishes with a reason. After each step the pages
that show the new text are fetched and checked.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import yaml
from markupsafe import escape

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.cycles.models import Cycle, Rectification, Submission
from assess.units.models import Unit
from tests.conftest import login
from tests.cycle_helpers import SET_PATH, pdf_bytes, publish_form

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
# What must never reach a page unescaped, whatever the payload.
RAW_MARKERS = ["<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>"]


def _set_yaml(p: str) -> str:
    """The test indicator set with the payload in names, and a third category so the
    result page draws its radar chart (the one place a template marks markup safe)."""
    data = yaml.safe_load(SET_PATH.read_text("utf-8"))
    data["program"] = f"测试考核{p}"
    first, second = data["categories"]
    first["name"] = f"宣传{p}"
    second["name"] = f"机制{p}"
    first["indicators"][0]["name"] = f"知晓率{p}"
    first["indicators"][1]["weight"] = 20  # make room for C1 below
    data["categories"].append(
        {
            "code": "C",
            "name": f"服务{p}",
            "indicators": [
                {
                    "code": "C1",
                    "name": f"服务台账{p}",
                    "applies_to": ["county"],
                    "measure": "count",
                    "target": 1,
                    "weight": 10,
                    "rule": "threshold",
                    "source": "测试 六",
                }
            ],
        }
    )
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


class Pages:
    """Fetch pages; note every one that shows a payload raw or does not show, escaped, the
    texts it should."""

    def __init__(self):
        self.problems: list[str] = []
        self.checked = 0

    def html(self, text: str, where: str, shows: tuple[str, ...]) -> None:
        self.checked += 1
        for marker in RAW_MARKERS:
            if marker in text:
                at = text.index(marker)
                self.problems.append(
                    f"{where}: raw {marker!r} … {text[max(0, at - 80) : at + 40]!r}"
                )
        for expected in shows:
            if str(escape(expected)) not in text:
                self.problems.append(f"{where}: does not show {expected!r} escaped")

    def get(self, client, url: str, *shows: str) -> str:
        response = client.get(url, follow_redirects=True)
        if response.status_code != 200:
            self.problems.append(f"GET {url}: {response.status_code}")
        text = response.data.decode()
        self.html(text, f"GET {url}", shows)
        return text

    def post(self, client, url: str, data: dict, *shows: str, **kwargs) -> str:
        """POST and follow the redirect, so flash messages are checked too."""
        response = client.post(url, data=data, follow_redirects=True, **kwargs)
        if response.status_code >= 400:
            self.problems.append(f"POST {url}: {response.status_code}")
        text = response.data.decode()
        self.html(text, f"POST {url}", shows)
        return text


def _sub(cycle: Cycle, unit: Unit, code: str) -> Submission:
    return Submission.get(
        Submission.cycle == cycle, Submission.unit == unit, Submission.indicator_code == code
    )


def _viewer(app):
    client = app.test_client()
    assert login(client, "viewer").status_code == 302
    return client


MULTIPART = {"content_type": "multipart/form-data"}


@pytest.mark.parametrize("p", PAYLOADS, ids=["script", "attribute"])
def test_free_text_is_escaped_everywhere(app, as_user, db, p):
    unit_name, contact, name = f"金水区{p}", f"联系人{p}", f"填报员{p}"
    cycle_name, category, indicator = f"周期{p}", f"宣传{p}", f"知晓率{p}"
    narrative, returned, verified = f"说明{p}", f"退回{p}", f"核定{p}"
    deducted, demand, response = f"扣分{p}", f"整改{p}", f"已整改{p}"
    note, republished = f"关闭{p}", f"重发{p}"
    # Browsers send a '"' in a file name as %22 (HTML's multipart encoding); so do we.
    file_name = p.replace('"', "%22") + ".pdf"

    pages = Pages()
    admin, inspector, viewer = as_user("admin"), as_user("inspector"), _viewer(app)
    unit_a = Unit.get(Unit.code == "410105")
    city = Unit.get(Unit.code == "zz")
    reporter_user = User.get(User.username == "r-410105")

    # Unit name, contact and user display name, through the office's forms.
    unit_form = {
        "code": "410105",
        "name": unit_name,
        "kind": "county",
        "parent": city.id,
        "sort_order": "3",
        "contact_person": contact,
        "active": "y",
    }
    pages.post(admin, f"/admin/units/{unit_a.id}", unit_form, unit_name)
    user_form = {
        "username": "r-410105",
        "display_name": name,
        "role": "reporter",
        "unit": unit_a.id,
        "active": "y",
    }
    pages.post(admin, f"/admin/users/{reporter_user.id}", user_form, name)
    assert Unit.get_by_id(unit_a.id).name == unit_name, pages.problems
    assert User.get_by_id(reporter_user.id).display_name == name, pages.problems
    pages.get(admin, "/admin/units", unit_name)
    pages.get(admin, f"/admin/units/{unit_a.id}", unit_name, contact)
    pages.get(admin, "/admin/users", name, unit_name)
    pages.get(admin, f"/admin/users/{reporter_user.id}", name)
    pages.get(admin, "/units/", unit_name)

    # The reporter signs in: the welcome message and the header name it.
    reporter = app.test_client()
    assert login(reporter, "r-410105").status_code == 302
    home = pages.get(reporter, "/", name, unit_name)
    assert f"欢迎，{escape(name)}" in home

    # A cycle named with the payload, from an uploaded set whose names carry it.
    upload = (io.BytesIO(_set_yaml(p).encode()), f"set{p}.yaml")
    cycle_form = {"year": 2026, "name": cycle_name, "shipped_set": "", "previous": 0}
    pages.post(admin, "/cycles/new", cycle_form | {"upload": upload}, cycle_name, **MULTIPART)
    cycle = Cycle.get(Cycle.name == cycle_name)
    admin.post(f"/cycles/{cycle.id}/transition/open")
    base = f"/cycles/{cycle.id}/units/{unit_a.id}"
    pages.get(admin, "/cycles/", cycle_name)
    pages.get(admin, f"/cycles/{cycle.id}", cycle_name, unit_name)

    # A narrative and an evidence file named with the payload.
    a1_form = {"numerator": "90", "denominator": "100", "narrative": narrative, "version": 0}
    evidence = (io.BytesIO(pdf_bytes(1)), file_name)
    pages.post(
        reporter,
        f"{base}/items/A1",
        a1_form | {"files": evidence},
        narrative,
        indicator,
        category,
        **MULTIPART,
    )
    # A refused file named with the payload: the error message names it.
    refused = (io.BytesIO(b"MZ" + b"\0" * 64), file_name)
    pages.post(
        reporter,
        f"{base}/items/C1",
        {"value": "1", "version": 0, "files": refused},
        f"{p}.pdf",  # what the server receives: Werkzeug decodes the %22
        **MULTIPART,
    )
    for code, value in (("A2", "4"), ("B1", "优"), ("C1", "1")):
        reporter.post(f"{base}/items/{code}", data={"value": value, "version": 0})
    # A stale save: the conflict message names who saved first (the payload display name).
    stale = _sub(cycle, unit_a, "A2").version
    reporter.post(f"{base}/items/A2", data={"value": "5", "version": stale})
    pages.post(reporter, f"{base}/items/A2", {"value": "6", "version": stale}, name)
    reporter.post(f"{base}/submit")
    pages.get(reporter, f"{base}/", narrative, unit_name)

    # Inspection: return A1 with a reason; verify A2 with a verified value and a deduction.
    a1 = _sub(cycle, unit_a, "A1")
    review_a1 = f"/cycles/{cycle.id}/inspection/items/{a1.id}"
    pages.get(inspector, review_a1, narrative, unit_name, indicator)
    return_form = {"action": "return", "version": a1.version, "return_reason": returned}
    pages.post(inspector, review_a1, return_form)
    assert _sub(cycle, unit_a, "A1").status == "returned", pages.problems
    pages.get(reporter, f"{base}/", returned)
    pages.get(inspector, review_a1, returned)
    a2 = _sub(cycle, unit_a, "A2")
    verify_form = {
        "action": "verify",
        "version": a2.version,
        "verified_value": "4",  # still meets the target: the deduction takes 2 off
        "reason": verified,
        "deduction": "2",
        "deduction_reason": deducted,
    }
    pages.post(inspector, f"/cycles/{cycle.id}/inspection/items/{a2.id}", verify_form)
    assert _sub(cycle, unit_a, "A2").status == "verified", pages.problems
    pages.get(reporter, f"{base}/", verified, deducted)
    pages.get(inspector, f"/cycles/{cycle.id}/inspection/?status=verified", unit_name)

    # A rectification demand, the unit's response, the closing note.
    demand_form = {
        "indicator_code": "A1",
        "demand": demand,
        "due_date": (local_today() + timedelta(days=10)).isoformat(),
    }
    pages.post(
        inspector,
        f"/cycles/{cycle.id}/inspection/units/{unit_a.id}/rectifications",
        demand_form,
        demand,
        unit_name,
    )
    rect = Rectification.get()
    pages.post(reporter, f"{base}/rectifications/{rect.id}", {"response": response})
    pages.get(reporter, f"{base}/", demand, response)
    pages.get(admin, f"/cycles/{cycle.id}", demand, response)
    close_url = f"/cycles/{cycle.id}/inspection/rectifications/{rect.id}/close"
    pages.post(inspector, close_url, {"note": note})
    pages.get(admin, f"{base}/", note)

    # The unit fixes A1 and resubmits; the office publishes, then republishes with a reason.
    a1 = _sub(cycle, unit_a, "A1")
    fixed = {"numerator": "95", "denominator": "100", "version": a1.version}
    reporter.post(f"{base}/items/A1", data=fixed)
    reporter.post(f"{base}/submit")
    admin.post(f"/cycles/{cycle.id}/transition/review")
    admin.post(f"/cycles/{cycle.id}/publish", data=publish_form(cycle))
    pages.post(admin, f"/cycles/{cycle.id}/publish", publish_form(cycle, reason=republished))
    assert Cycle.get_by_id(cycle.id).state == "published", pages.problems
    result = pages.get(admin, f"{base}/result", unit_name, deducted, republished, indicator)
    assert "<svg" in result, "the radar chart was not drawn"
    pages.get(reporter, f"{base}/result", unit_name, deducted)
    pages.get(viewer, f"/cycles/{cycle.id}/ranking", unit_name)
    # The ledger (核减台账): A2 verified at 4 of the 6 reported, with both reasons; its heat
    # map is an SVG with the unit's name in it.
    assert "<svg" in pages.get(viewer, "/ledger/", unit_name, verified, deducted)
    pages.get(admin, "/audit/")  # before/after JSON of all of the above

    assert pages.checked > 30
    assert not pages.problems, "\n".join(pages.problems)
