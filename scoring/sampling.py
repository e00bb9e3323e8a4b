"""The double-random spot check with risk (双随机抽查): which (unit, indicator) items the
office checks, and which inspector checks each. Pure.

The draw is reproducible by anyone holding its inputs: the candidates are sorted into a
canonical order, their SHA-256 (:func:`candidates_hash`) is what the audit chain records
before the draw, and every random number comes from one ``random.Random(seed)`` consumed
in a fixed order. Only ``Random.random()`` is used (its output for a seed is stable across
Python versions, unlike ``sample`` or ``choices``, whose algorithms have changed).

Of the ``size`` items drawn, at least ``random_share`` (never below
:data:`MINIMUM_RANDOM_SHARE`) are drawn uniformly, so that every item can be checked and no
unit can be sure of escaping; the rest are drawn by risk weight (:func:`risk_weight`)
among the items not drawn yet, weighted sampling without replacement by exponential keys
(Efraimidis–Spirakis: key ``u ** (1 / w)``, the largest keys win). Items of weight 0 are
never drawn for risk; when too few items carry risk, the remainder is drawn at random.

Inspectors are then assigned with :func:`scoring.assignment.assign_reviewers` (one per
item): never an inspector on a unit they recuse themselves from (their own), loads as even
as that rule allows.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from scoring import assignment
from scoring.i18n import _

#: The random share may not fall below this: a draw driven by risk alone would tell the
#: units with a clean ledger that they are never checked.
MINIMUM_RANDOM_SHARE = Decimal("0.05")

#: |modified z-score| from which a value is an outlier (Iglewicz and Hoaglin); the peer
#: component of the weight is full there.
OUTLIER_Z = Decimal("3.5")
#: A year-on-year change of this many percent (either way) gives the full component.
FULL_CHANGE = Decimal(50)

RANDOM = "random"
RISK = "risk"
REASONS = (RANDOM, RISK)


class SamplingError(ValueError):
    """The draw cannot be made as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One item that may be checked: a unit's answer to an indicator, with its risk features.

    ``past_rate`` is the unit's 核减率 on the indicator in past years (percent, the mean of
    its ledger lines), ``peer_z`` the modified z-score of the claimed value against the
    other units' (同类比较), ``change`` the claimed value's change against last year's
    verified one (percent); each None when it cannot be worked out.
    """

    unit: str
    indicator: str
    past_rate: Decimal | None = None
    peer_z: Decimal | None = None
    change: Decimal | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.unit, self.indicator)


@dataclass(frozen=True, slots=True)
class Inspector:
    """An inspector (核查员) who may be given items; ``recused`` holds the codes of the
    units they must not check (回避): their own unit and, by the web app's rule, the units
    above and below it; empty for one who belongs to no unit (the city office's staff)."""

    id: str
    recused: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SampleParameters:
    """How much to draw: ``size`` items, or when None ``rate`` of the candidates (rounded
    up, at least 1); ``random_share`` of them at random (rounded up)."""

    seed: int
    rate: Decimal = Decimal("0.1")
    random_share: Decimal = Decimal("0.3")
    size: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "rate": str(self.rate),
            "random_share": str(self.random_share),
            "size": self.size,
        }


@dataclass(frozen=True, slots=True)
class SampledItem:
    """A drawn item: the candidate, why it was drawn (:data:`RANDOM` or :data:`RISK`), its
    risk weight and the inspector assigned."""

    candidate: Candidate
    reason: str
    weight: float
    inspector: str


@dataclass(frozen=True, slots=True)
class Draw:
    """The result: the candidates' hash, the parameters and the items in canonical order."""

    candidates_hash: str
    parameters: SampleParameters
    items: tuple[SampledItem, ...]


def canonical(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The candidates sorted by unit and indicator code; raises on a repeated item."""
    ordered = sorted(candidates, key=lambda c: c.key)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.key == after.key:
            raise SamplingError(
                _("候选项重复：%(unit)s %(indicator)s", unit=after.unit, indicator=after.indicator)
            )
    return ordered


def _text(number: Decimal | None) -> str | None:
    return None if number is None else str(number)


def candidates_hash(candidates: Iterable[Candidate]) -> str:
    """SHA-256 (hex) of the canonical candidate list, features included: changing any
    item or any feature changes it."""
    rows = [
        [c.unit, c.indicator, _text(c.past_rate), _text(c.peer_z), _text(c.change)]
        for c in canonical(candidates)
    ]
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def risk_weight(candidate: Candidate) -> float:
    """The item's risk, 0 to 3: the sum of its past 核减率 (100 % is full), its peer
    outlier score (|z| ≥ :data:`OUTLIER_Z` is full) and its year-on-year change
    (|change| ≥ :data:`FULL_CHANGE` is full), each capped at 1; a missing feature adds 0."""
    parts = []
    if candidate.past_rate is not None:
        parts.append(max(candidate.past_rate, Decimal(0)) / 100)
    if candidate.peer_z is not None:
        parts.append(abs(candidate.peer_z) / OUTLIER_Z)
    if candidate.change is not None:
        parts.append(abs(candidate.change) / FULL_CHANGE)
    return float(sum((min(p, Decimal(1)) for p in parts), Decimal(0)))


def sample_size(count: int, parameters: SampleParameters) -> int:
    """How many of ``count`` candidates are drawn (never more than there are)."""
    if parameters.size is not None:
        wanted = parameters.size
    else:
        wanted = max(1, math.ceil(Decimal(count) * parameters.rate)) if count else 0
    return min(wanted, count)


def _check(parameters: SampleParameters) -> None:
    if not MINIMUM_RANDOM_SHARE <= parameters.random_share <= 1:
        raise SamplingError(_("随机抽取比例须在 %(low)s 与 1 之间", low=MINIMUM_RANDOM_SHARE))
    if parameters.size is None and not 0 < parameters.rate <= 1:
        raise SamplingError(_("抽取比例须大于 0 且不超过 1"))
    if parameters.size is not None and parameters.size < 0:
        raise SamplingError(_("抽取数量不能为负数"))


def draw(
    candidates: Iterable[Candidate],
    inspectors: Sequence[Inspector],
    parameters: SampleParameters,
) -> Draw:
    """Draw the sample; the same inputs and seed always give the same :class:`Draw`.

    Raises :class:`SamplingError` for parameters out of range, a repeated candidate, or a
    drawn item no inspector may check (every inspector recuses from its unit)."""
    _check(parameters)
    ordered = canonical(candidates)
    rng = random.Random(parameters.seed)
    size = sample_size(len(ordered), parameters)
    at_random = min(size, math.ceil(Decimal(size) * parameters.random_share))
    # One number per candidate, in canonical order, for each stage: the stream a seed gives
    # does not depend on which items the first stage took.
    uniform = [rng.random() for _c in ordered]
    risky = [rng.random() for _c in ordered]
    weights = [risk_weight(c) for c in ordered]
    by_uniform = sorted(range(len(ordered)), key=lambda i: (uniform[i], i))
    chosen = {i: RANDOM for i in by_uniform[:at_random]}
    keyed = sorted(
        (
            (-(risky[i] ** (1 / weights[i])), i)
            for i in range(len(ordered))
            if i not in chosen and weights[i] > 0
        ),
    )
    for _key, i in keyed[: size - at_random]:
        chosen[i] = RISK
    for i in by_uniform:
        if len(chosen) >= size:
            break
        chosen.setdefault(i, RANDOM)
    picked = sorted(chosen)
    inspectors_of = _assign([ordered[i] for i in picked], inspectors, parameters.seed)
    items = tuple(
        SampledItem(ordered[i], chosen[i], weights[i], inspectors_of[ordered[i].key])
        for i in picked
    )
    return Draw(candidates_hash(ordered), parameters, items)


def _item_id(candidate: Candidate) -> str:
    return f"{candidate.unit}\x1f{candidate.indicator}"


def _assign(
    items: list[Candidate], inspectors: Sequence[Inspector], seed: int
) -> dict[tuple[str, str], str]:
    if not items:
        return {}
    if not inspectors:
        raise SamplingError(_("没有可分配的核查员"))
    try:
        chosen = assignment.assign_reviewers(
            [assignment.Nomination(_item_id(c), c.unit, f"{c.unit} {c.indicator}") for c in items],
            # The unit rule is spelled as declared conflicts: recusal reaches beyond the
            # inspector's own unit, which is all a Reviewer's unit could say.
            [assignment.Reviewer(i.id, "") for i in inspectors],
            k=1,
            conflicts=[
                (i.id, _item_id(c)) for i in inspectors for c in items if c.unit in i.recused
            ],
            seed=seed,
        )
    except assignment.AssignmentError as error:
        raise SamplingError(str(error)) from error
    return {c.key: chosen[_item_id(c)][0] for c in items}


#: Features are kept to 2 decimals: the hash is over their text, which must not depend on
#: how a division happened to come out.
CENTS = Decimal("0.01")


def modified_z_scores(values: Mapping[Hashable, Decimal]) -> dict[Hashable, Decimal | None]:
    """Each value's modified z-score against the others (0.6745 × (x − median) ÷ MAD),
    2 decimals; None for all when there are fewer than 3 values or the MAD is 0 (most
    units report the same: nobody stands out by this measure)."""
    if len(values) < 3:
        return dict.fromkeys(values)
    middle = _median(list(values.values()))
    mad = _median([abs(v - middle) for v in values.values()])
    if not mad:
        return dict.fromkeys(values)
    return {k: (Decimal("0.6745") * (v - middle) / mad).quantize(CENTS) for k, v in values.items()}


def percent_change(now: Decimal, before: Decimal) -> Decimal | None:
    """(now − before) ÷ |before| × 100, 2 decimals; None when ``before`` is 0."""
    if not before:
        return None
    return ((now - before) * 100 / abs(before)).quantize(CENTS)


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return (ordered[half - 1] + ordered[half]) / 2
