"""The double-random draw with risk (双随机抽查), scoring.sampling: reproducible, the random
share kept, no inspector on their own unit, risk drawn more often."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring import sampling
from scoring.sampling import Candidate, Inspector, SampleParameters

UNITS = [f"U{n:02d}" for n in range(12)]
INDICATORS = [f"A{n}" for n in range(5)]


def candidates(risky_units=("U01", "U02")) -> list[Candidate]:
    return [
        Candidate(u, i, past_rate=Decimal(40) if u in risky_units else None)
        for u in UNITS
        for i in INDICATORS
    ]


INSPECTORS = [
    Inspector("i1", "U00"),
    Inspector("i2", "U01"),
    Inspector("i3", ""),
    Inspector("i4", "U03"),
]


def test_same_seed_same_draw():
    first = sampling.draw(candidates(), INSPECTORS, SampleParameters(seed=7))
    again = sampling.draw(list(reversed(candidates())), INSPECTORS, SampleParameters(seed=7))
    assert first == again
    assert len(first.items) == 6  # 10 % of 60


def test_another_seed_another_draw():
    draws = {
        tuple(
            x.candidate.key
            for x in sampling.draw(candidates(), INSPECTORS, SampleParameters(seed=s)).items
        )
        for s in range(5)
    }
    assert len(draws) > 1


@pytest.mark.parametrize("share,size,expected", [("0.05", 20, 1), ("0.3", 10, 3), ("1", 8, 8)])
def test_random_share_is_respected(share, size, expected):
    parameters = SampleParameters(seed=3, random_share=Decimal(share), size=size)
    draw = sampling.draw(candidates(UNITS), INSPECTORS, parameters)
    reasons = [x.reason for x in draw.items]
    assert len(reasons) == size
    assert reasons.count(sampling.RANDOM) == expected


def test_too_small_a_random_share_is_refused():
    with pytest.raises(sampling.SamplingError):
        sampling.draw(
            candidates(), INSPECTORS, SampleParameters(seed=1, random_share=Decimal("0.04"))
        )


def test_without_enough_risk_the_rest_is_random():
    draw = sampling.draw(candidates(()), INSPECTORS, SampleParameters(seed=1, size=10))
    assert len(draw.items) == 10
    assert {x.reason for x in draw.items} == {sampling.RANDOM}


def test_no_inspector_on_their_own_unit_and_loads_balanced():
    recused = {i.id: i.recused for i in INSPECTORS}
    for seed in range(200):
        draw = sampling.draw(candidates(), INSPECTORS, SampleParameters(seed=seed, size=13))
        for item in draw.items:
            assert item.candidate.unit not in recused[item.inspector]
        loads = [sum(1 for x in draw.items if x.inspector == i.id) for i in INSPECTORS]
        assert max(loads) - min(loads) <= 1


def test_an_item_nobody_may_check_is_refused():
    with pytest.raises(sampling.SamplingError):
        sampling.draw(
            [Candidate("U00", "A0")],
            [Inspector("i1", frozenset({"U00"}))],
            SampleParameters(seed=1),
        )


def test_risk_items_are_drawn_more_often():
    risky = {"U01", "U02"}
    hits = {True: 0, False: 0}
    for seed in range(300):
        draw = sampling.draw(candidates(risky), INSPECTORS, SampleParameters(seed=seed))
        for item in draw.items:
            hits[item.candidate.unit in risky] += 1
    # 10 risky items of 60: per item, a risky one is drawn far more often.
    assert hits[True] / 10 > 3 * hits[False] / 50


def test_weights():
    assert sampling.risk_weight(Candidate("U", "A")) == 0
    full = Candidate("U", "A", Decimal(100), Decimal("-7"), Decimal(80))
    assert sampling.risk_weight(full) == 3
    assert sampling.risk_weight(Candidate("U", "A", peer_z=Decimal("1.75"))) == 0.5


def test_hash_changes_with_any_candidate():
    base = candidates()
    digest = sampling.candidates_hash(base)
    assert digest == sampling.candidates_hash(reversed(base))
    changed = [*base[:-1], Candidate(base[-1].unit, base[-1].indicator, change=Decimal(1))]
    assert sampling.candidates_hash(changed) != digest
    assert sampling.candidates_hash(base[:-1]) != digest


def test_repeated_candidate_is_refused():
    with pytest.raises(sampling.SamplingError):
        sampling.candidates_hash([Candidate("U", "A"), Candidate("U", "A")])


def test_modified_z_scores():
    values = {"a": Decimal(10), "b": Decimal(11), "c": Decimal(12), "d": Decimal(40)}
    z = sampling.modified_z_scores(values)
    assert z["d"] > sampling.OUTLIER_Z > abs(z["a"])
    assert sampling.modified_z_scores({"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)}) == {
        "a": None,
        "b": None,
        "c": None,
    }


def test_percent_change():
    assert sampling.percent_change(Decimal(120), Decimal(100)) == Decimal("20.00")
    assert sampling.percent_change(Decimal(1), Decimal(0)) is None
