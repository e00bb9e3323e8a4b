"""The scale test's data, written once into its database through the domain services:
the demo units and accounts, a published cycle over ``units`` units (what the report
batches render) and an open cycle of the next year (where reporters upload evidence)."""

from __future__ import annotations

from dataclasses import dataclass

from assess.accounts.models import User
from assess.core.enums import UnitKind
from assess.cycles import lifecycle, publishing, submissions
from assess.demo.units import load_demo
from assess.units.models import Unit
from tests.cycle_helpers import make_cycle

# The reporter who uploads; its county is in every published set.
UPLOADER_UNIT = "410105"
# What each kind of unit reports in tests/data/cycle_set.yaml, varied by the unit's place
# so that the totals and ranks differ.
VALUES = {
    UnitKind.COUNTY: lambda n: {
        "A1": f"{70 + n % 30}/100",
        "A2": str(n % 6),
        "B1": "优良中差"[n % 4],
    },
    UnitKind.DEPARTMENT: lambda n: {"B1": "优良中差"[n % 4], "D1": str(n % 5)},
}


@dataclass(frozen=True)
class ScaleData:
    published_cycle: int
    open_cycle: int
    uploader_unit: int
    report_names: tuple[str, ...]  # the PDFs a batch of the published cycle zips


def load(units: int) -> ScaleData:
    """Write the data (the caller holds an app context and a connection); ``units`` of the
    demo's counties and departments take part, 金水区 always among them."""
    load_demo(extensions=False)
    taking_part = _taking_part(units)
    Unit.update(active=False).where(
        Unit.kind.in_([UnitKind.COUNTY, UnitKind.DEPARTMENT]),
        Unit.id.not_in([u.id for u in taking_part]),
    ).execute()
    published = make_cycle("open", year=2026)
    for n, unit in enumerate(taking_part):
        reporter = User.get(User.username == f"r-{unit.code}")
        for code, value in VALUES[unit.kind](n).items():
            submissions.save_value(published, unit, code, value, "", None, reporter)
        submissions.submit_unit(published, unit, reporter)
    admin = User.get(User.username == "admin")
    lifecycle.transition(published, "review", admin)
    publishing.publish(published, admin)
    upcoming = make_cycle("open", year=2027, name="下一年度")
    uploader = Unit.get(Unit.code == UPLOADER_UNIT)
    return ScaleData(
        published_cycle=published.id,
        open_cycle=upcoming.id,
        uploader_unit=uploader.id,
        report_names=tuple(sorted(f"2026-{u.code}.pdf" for u in taking_part)),
    )


def _taking_part(count: int) -> list[Unit]:
    candidates = list(
        Unit.select()
        .where(Unit.kind.in_([UnitKind.COUNTY, UnitKind.DEPARTMENT]))
        .order_by(Unit.code != UPLOADER_UNIT, Unit.sort_order, Unit.code)
    )
    return candidates[: max(1, count)]
