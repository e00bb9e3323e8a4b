"""The double-random spot check of a cycle (双随机抽查): recorded on the audit chain before
the draw, reproduced by ``assess sample``, shown in the inspection queue."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from assess.accounts.models import User
from assess.core import audit
from assess.core.models import AuditEntry
from assess.cycles import sampling as cycle_sampling
from scoring.sampling import RANDOM, SampleParameters
from tests.cycle_helpers import handed_in_cycle, make_cycle, unit
from tests.helpers import command

COUNTIES = ("410105", "410102", "410103", "410104")
VALUES = {"A1": "90/100", "A2": "5", "B1": "优", "X1": "2"}


@pytest.fixture
def handed_in(demo, db):
    """An open cycle where the counties handed in A1, A2, B1 and X1."""
    return handed_in_cycle(COUNTIES, VALUES)


def office() -> User:
    return User.get(User.username == "admin")


def test_the_request_is_on_the_chain_before_the_draw(handed_in):
    parameters = SampleParameters(seed=42, rate=Decimal("0.25"))
    made = cycle_sampling.draw_sample(office(), handed_in, parameters)
    requested, drawn = list(AuditEntry.select().order_by(AuditEntry.id.desc()).limit(2))[::-1]
    assert (requested.action, drawn.action) == (cycle_sampling.REQUESTED, cycle_sampling.DRAWN)
    request = json.loads(requested.after)
    assert request["parameters"]["seed"] == 42
    assert request["candidates"] == 16
    assert request["candidates_hash"] == made.draw.candidates_hash
    assert len(made.draw.items) == 4
    assert any(i.reason == RANDOM for i in made.draw.items)
    assert audit.verify() == []
    again = cycle_sampling.latest_draw(handed_in)
    assert again.entry_id == drawn.id
    assert [(i.candidate.key, i.reason, i.inspector) for i in again.draw.items] == [
        (i.candidate.key, i.reason, i.inspector) for i in made.draw.items
    ]


def test_no_inspector_on_their_own_unit(handed_in):
    made = cycle_sampling.draw_sample(office(), handed_in, SampleParameters(seed=1, size=16))
    for item in made.draw.items:
        inspector = User.get_by_id(int(item.inspector))
        assert not unit(item.candidate.unit).conflicts_with(inspector)


def test_the_command_reproduces_the_stored_draw(handed_in, monkeypatch, app, tmp_path):
    made = cycle_sampling.draw_sample(
        office(), handed_in, SampleParameters(seed=9, rate=Decimal("0.5"))
    )
    out = tmp_path / "sample.csv"
    result = command(
        monkeypatch,
        app,
        "sample",
        "--cycle",
        "2026",
        "--seed",
        "9",
        "--rate",
        "0.5",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert made.draw.candidates_hash in result.output
    assert f"第 {made.entry_id} 条的抽取结果一致" in result.output
    lines = out.read_text(encoding="utf-8").splitlines()[1:]
    assert [tuple(line.split(",")[:4]) for line in lines] == [
        (i.candidate.unit, i.candidate.indicator, i.reason, i.inspector) for i in made.draw.items
    ]


def test_a_closed_cycle_is_refused(demo, db):
    cycle = make_cycle("draft")
    with pytest.raises(cycle_sampling.SamplingRefused):
        cycle_sampling.draw_sample(office(), cycle, SampleParameters(seed=1))
