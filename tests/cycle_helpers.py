"""Helpers for cycle tests: create, open and fill a cycle through the real domain code."""

from __future__ import annotations

import io
from pathlib import Path

from assess.accounts.models import User
from assess.cycles import lifecycle
from assess.cycles.models import Cycle
from assess.units.models import Unit

SET_PATH = Path(__file__).parent / "data" / "cycle_set.yaml"


def make_cycle(state: str = "open", year: int = 2026, **kwargs) -> Cycle:
    admin = User.get(User.username == "admin")
    cycle = lifecycle.create_cycle(
        year,
        kwargs.pop("name", "测试周期"),
        SET_PATH.read_text("utf-8"),
        "cycle_set.yaml",
        actor=admin,
        **kwargs,
    )
    if state in ("open", "review"):
        lifecycle.transition(cycle, "open", admin)
        _forget_opening(cycle)
    if state == "review":
        lifecycle.transition(cycle, "review", admin)
    return Cycle.get_by_id(cycle.id)


def _forget_opening(cycle: Cycle) -> None:
    """Set-up opens the cycle; the reporters' 开始自评填报 notifications (and the e-mails
    they queue) that wrote are set-up too, cleared so a test counts only what it causes
    (the opening's own are tests/notifications/test_lifecycle_events.py's)."""
    from assess.core.enums import NotificationKind
    from assess.delivery.models import Delivery
    from assess.notifications.models import Notification

    Notification.delete().where(Notification.kind == NotificationKind.CYCLE_OPENED).execute()
    Delivery.delete().where(Delivery.kind == NotificationKind.CYCLE_OPENED).execute()


def handed_in_cycle(counties, values: dict[str, str]) -> Cycle:
    """An open cycle where each county in ``counties`` saved ``values`` (indicator code →
    text) through its reporter, every item then marked handed in (已报送)."""
    from assess.core.enums import SubmissionState
    from assess.cycles import submissions
    from assess.cycles.models import Submission

    cycle = make_cycle("open")
    for code in counties:
        reporter = User.get(User.username == f"r-{code}")
        for indicator, value in values.items():
            submissions.save_value(cycle, unit(code), indicator, value, "", None, reporter)
    Submission.update(status=SubmissionState.SUBMITTED).execute()
    return cycle


def unit(code: str) -> Unit:
    return Unit.get(Unit.code == code)


def pdf_bytes(pages: int = 2) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def download_template(client, cycle, u):
    """The unit's fill-in workbook as the client downloads it."""
    from openpyxl import load_workbook

    response = client.get(f"/cycles/{cycle.id}/units/{u.id}/template.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def upload_template(client, cycle, u, wb):
    """Upload a filled workbook as the unit's page does; the page it lands on."""
    out = io.BytesIO()
    wb.save(out)
    return client.post(
        f"/cycles/{cycle.id}/units/{u.id}/template",
        data={"workbook": (io.BytesIO(out.getvalue()), "filled.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


TEMPLATE_INPUTS = {"分子": 6, "分母": 7, "填报值": 8, "情况说明": 9}


def fill_template(ws, code, **cells):
    """Type ``cells`` (by column heading) into the row of indicator ``code``."""
    for row in ws.iter_rows(min_row=2):
        if row[0].value == code:
            for name, value in cells.items():
                row[TEMPLATE_INPUTS[name] - 1].value = value
            return
    raise AssertionError(code)


def printed_pdf_bytes(text: str = "宣传台账") -> bytes:
    """A one-page PDF with something on its page (a scan, as offices upload), drawn by
    Pillow: a title bar and lines of 'text', so its first-page preview shows a page."""
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((60, 60, 535, 130), fill=(181, 18, 27))
    for n in range(14):
        draw.rectangle((60, 170 + n * 40, 535 - (n % 4) * 60, 184 + n * 40), fill=(60, 60, 60))
    out = io.BytesIO()
    page.save(out, "PDF", title=text)
    return out.getvalue()


def publish_form(cycle: Cycle, reason: str = "", unreported_reason: str = "部分单位未参加") -> dict:
    """What the pre-publish page (发布前检查) sends when the office confirms every exception
    it lists as the cycle now stands."""
    from assess.cycles.publish_checks import prepublish_checks

    checks = prepublish_checks(Cycle.get_by_id(cycle.id))
    data = {f"confirm_{c.key}": c.token for c in checks if c.rows}
    return data | {"unreported_reason": unreported_reason, "reason": reason}


def hold_first_of_two_saves(monkeypatch, hold_seconds: float) -> None:
    """Widen the window of two first saves of one item: both pass their checks before
    either writes (they meet at ``rate_jump_warning``), and the first to be audited keeps
    its transaction open ``hold_seconds`` after its insert, so the second must wait on it."""
    import threading
    import time

    from assess.core import audit
    from assess.cycles import submissions

    both_checked = threading.Barrier(2, timeout=20)
    first = threading.Lock()
    original_record = audit.record

    def record(*args, **kwargs):
        entry = original_record(*args, **kwargs)
        if first.acquire(blocking=False):  # the first writer keeps its transaction open
            time.sleep(hold_seconds)
        return entry

    def checked(*_args):
        both_checked.wait()
        return None

    monkeypatch.setattr(submissions, "rate_jump_warning", checked)
    monkeypatch.setattr(audit, "record", record)
