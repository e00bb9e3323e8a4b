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
    if state == "review":
        lifecycle.transition(cycle, "review", admin)
    return Cycle.get_by_id(cycle.id)


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


def publish_form(cycle: Cycle, reason: str = "", unreported_reason: str = "部分单位未参加") -> dict:
    """What the pre-publish page (发布前检查) sends when the office confirms every exception
    it lists as the cycle now stands."""
    from assess.cycles.publish_checks import prepublish_checks

    checks = prepublish_checks(Cycle.get_by_id(cycle.id))
    data = {f"confirm_{c.key}": c.token for c in checks if c.rows}
    return data | {"unreported_reason": unreported_reason, "reason": reason}
