"""Helpers for the nomination round tests (十类典型评选).

``demo`` here loads the foundation demo and the nomination demo only: these tests need
neither the cycle demo nor its time. Import it into a test module as a fixture.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal

import pytest
from PIL import Image

from assess.accounts.models import User
from assess.core.db import database
from assess.demo import nominations as nomination_demo
from assess.nominations import entries, rounds
from assess.nominations.models import NominationRound, ScoreCriterion
from assess.units.models import Unit

HALF = Decimal("0.5")
# Panel members of the demo, by unit: three work for nominating units.
EXPERT_UNITS = {
    "expert1": "410105",
    "expert2": "dept-jyj",
    "expert3": "410103",
    "expert6": "dept-rsj",
}
PANEL = ("expert1", "expert2", "expert3", "expert4", "expert5", "expert6", "expert7", "inspector")


@pytest.fixture(name="demo")
def nomination_demo_only(app, monkeypatch):
    """The demo units and accounts with the nomination demo, without the cycle demo."""
    from assess.demo import units as demo_data

    monkeypatch.setattr(demo_data, "LOADERS", [nomination_demo.load])
    with app.app_context():
        database.connect(reuse_if_open=True)
        logins = demo_data.load_demo()
        database.close()
    return logins


def user(username: str) -> User:
    return User.get(User.username == username)


def unit(code: str) -> Unit:
    return Unit.get(Unit.code == code)


def open_round(year: int = 2030, **settings) -> NominationRound:
    """A round whose window is open today, made through the domain by the demo admin."""
    today = rounds.today()
    values = {
        "year": year,
        "title": "",
        "window_opens": today - timedelta(days=5),
        "window_closes": today + timedelta(days=5),
    }
    values.update(settings)
    return rounds.create_round(rounds.RoundSettings(**values), user("admin"))


def close_window(round_: NominationRound) -> None:
    """Move the window into the past (test set-up, as if the deadline had passed)."""
    today = rounds.today()
    NominationRound.update(
        window_opens=today - timedelta(days=20), window_closes=today - timedelta(days=1)
    ).where(NominationRound.id == round_.id).execute()


def nominee(round_: NominationRound, category_index: int = 0, name: str = "某单位", **extra):
    category = rounds.categories(round_)[category_index]
    values = {
        "category_id": category.id,
        "nominee_kind": category.nominee_kind,
        "nominee_name": name,
        "work_unit": "某公司" if category.nominee_kind == "person" else "",
        "position": "职工" if category.nominee_kind == "person" else "",
        "contact_person": "联系人",
        "contact_phone": "0371-60000000",
        "deeds": f"{name}在促进流动人口社会融合方面成效显著。",
    }
    values.update(extra)
    return entries.NomineeInput(**values)


def nominate(round_: NominationRound, reporter: str, category_index: int = 0, name: str = "某单位"):
    return entries.create_nomination(round_, nominee(round_, category_index, name), user(reporter))


def nomination_form(round_: NominationRound, category_index: int, name: str) -> dict[str, str]:
    data = nominee(round_, category_index, name)
    return {
        "category": str(data.category_id),
        "nominee_kind": data.nominee_kind,
        "nominee_name": data.nominee_name,
        "work_unit": data.work_unit,
        "position": data.position,
        "contact_person": data.contact_person,
        "contact_phone": data.contact_phone,
        "deeds": data.deeds,
    }


def split(total: Decimal, criteria: list[ScoreCriterion]) -> list[Decimal]:
    """Points per criterion (half points, each within its weight) adding up to ``total``."""
    points = [
        (c.weight * total / 100 / HALF).to_integral_value(rounding=ROUND_FLOOR) * HALF
        for c in criteria
    ]
    i = 0
    while sum(points) < total:
        if points[i % len(points)] < criteria[i % len(points)].weight:
            points[i % len(points)] += HALF
        i += 1
    return points


def review_form(
    criteria: list[ScoreCriterion], total: Decimal, action: str = "submit", comment: str = "评语"
) -> dict[str, str]:
    data = {"action": action}
    for c, p in zip(criteria, split(Decimal(total), criteria), strict=True):
        data[f"points_{c.id}"] = str(p)
        data[f"comment_{c.id}"] = f"{comment}：{c.name}"
    return data


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 12), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()
