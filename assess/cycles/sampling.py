"""The double-random spot check with risk (双随机抽查) of a cycle: the candidates and
inspectors read from the database, the draw (:mod:`scoring.sampling`) recorded on the audit
chain, and the latest draw read back for the inspection queue.

The draw is kept in the audit chain, not in a table of its own: two entries in one
transaction, ``sample.requested`` (seed, parameters, inspectors, the candidates' hash and
count), written *before* the draw is made, then ``sample.drawn`` (the items with their
reasons and inspectors). The chain is append-only and keyed, which is what a draw that
nobody may steer or quietly redo needs, and the queue reads one entry per page. A new draw
for the cycle supersedes the previous one; both stay on the chain.

Candidates are the cycle's handed-in items (submitted or verified), so a draw made once
self-reporting closed has the same candidates, and the same hash, until an item is sent
back: ``assess sample`` says when the candidates it reads no longer match the recorded
hash. Risk features, from the ledger of published years (:mod:`assess.cycles.ledger`) and
the cycle's own claimed values: the mean past 核减率 of the unit on the indicator, the
claimed value's modified z-score against the other units', and its change against last
year's verified value.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from flask_babel import gettext as _

from assess.core import audit
from assess.core.db import database
from assess.core.enums import HANDED_IN_SUBMISSION_STATES, Role
from assess.core.models import AuditEntry
from assess.core.policy import reaches_cycle
from assess.cycles.ledger import ledger_rows
from assess.cycles.lifecycle import CycleError, indicator_set, locked_cycle
from assess.cycles.models import Cycle, Submission
from assess.units.models import Unit
from scoring import sampling
from scoring.values import Rate, parse_value

REQUESTED = "sample.requested"
DRAWN = "sample.drawn"


class SamplingRefused(CycleError):
    """The draw was refused; the message says why."""


def _number(value) -> Decimal | None:
    """A numeric value as a Decimal (a rate as its percent); None for a boolean or grade."""
    if isinstance(value, Rate):
        return value.hundredfold / value.denominator
    if isinstance(value, Decimal):
        return value
    return None


def candidates(cycle: Cycle) -> list[sampling.Candidate]:
    """The cycle's handed-in items with their risk features, in canonical order."""
    parsed = indicator_set(cycle)
    query = (
        Submission.select(Submission.indicator_code, Submission.value_text, Unit.code)
        .join(Unit)
        .where(
            Submission.cycle == cycle,
            Submission.status.in_(list(HANDED_IN_SUBMISSION_STATES)),
        )
    )
    claimed: dict[tuple[str, str], Decimal | None] = {}
    for code, value_text, unit_code in query.tuples():
        try:
            value = _number(parse_value(parsed.indicator(code), value_text, check_bounds=False))
        except (KeyError, ValueError):
            value = None
        claimed[(unit_code, code)] = value
    past_rates: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    last_year: dict[tuple[str, str], Decimal | None] = {}
    for row in ledger_rows():
        key = (row.unit.code, row.indicator.code)
        if row.year < cycle.year and row.line.rate is not None:
            past_rates[key].append(row.line.rate)
        if row.year == cycle.year - 1:
            last_year[key] = _number(row.line.verified)
    peers: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (unit_code, code), value in claimed.items():
        if value is not None:
            peers[code][unit_code] = value
    z_of = {code: sampling.modified_z_scores(values) for code, values in peers.items()}
    out = []
    for (unit_code, code), value in claimed.items():
        rates = past_rates.get((unit_code, code))
        before = last_year.get((unit_code, code))
        out.append(
            sampling.Candidate(
                unit_code,
                code,
                (sum(rates) / len(rates)).quantize(sampling.CENTS) if rates else None,
                z_of.get(code, {}).get(unit_code),
                sampling.percent_change(value, before)
                if value is not None and before is not None
                else None,
            )
        )
    return sampling.canonical(out)


def inspectors(cycle: Cycle) -> list[sampling.Inspector]:
    """The active inspectors who reach the cycle, each with the units they recuse from."""
    from assess.accounts.models import User

    codes = dict(Unit.raw_rows(Unit.id, Unit.code))
    people = User.select().where(User.role == Role.INSPECTOR, User.active == True)  # noqa: E712
    reaching = [
        u for u in people.order_by(User.id) if reaches_cycle(u, cycle, "submissions.review")
    ]
    # Unit.recused_for's rule (the line above and below one's own unit), the tree read once.
    lines = Unit.lines_of(u.unit_id for u in reaching if u.unit_id is not None)
    return [
        sampling.Inspector(
            str(user.id), frozenset(codes[u] for u in lines.get(user.unit_id, ()) if u in codes)
        )
        for user in reaching
    ]


@dataclass(frozen=True)
class SampleDraw:
    """A draw as read back from the chain (or just made): the audit entry that recorded it,
    the draw and the names of its inspectors."""

    entry_id: int
    draw: sampling.Draw
    inspector_names: dict[str, str]

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], sampling.SampledItem]:
        return {i.candidate.key: i for i in self.draw.items}

    def item_of(self, unit_code: str, indicator_code: str) -> sampling.SampledItem | None:
        """The drawn item of that unit and indicator, None when not drawn: one lookup per
        queue row."""
        return self._by_key.get((unit_code, indicator_code))


def compute(cycle: Cycle, parameters: sampling.SampleParameters) -> sampling.Draw:
    """The draw for ``parameters`` over the cycle's candidates and inspectors as they are
    now; writes nothing (``assess sample`` reproduces a draw with it)."""
    try:
        return sampling.draw(candidates(cycle), inspectors(cycle), parameters)
    except sampling.SamplingError as error:
        raise SamplingRefused(str(error)) from error


def new_seed() -> int:
    """A seed nobody chose: 32 random bits from the operating system."""
    return secrets.randbits(32)


def draw_sample(actor, cycle: Cycle, parameters: sampling.SampleParameters) -> SampleDraw:
    """Draw and record the cycle's spot check; the request (seed, parameters, candidate
    hash) goes on the chain before the draw is made, in the same transaction. Refused
    (SamplingRefused) when the cycle is past review, has no candidates, or an item has no
    inspector who may check it."""
    with database.atomic():
        cycle = locked_cycle(cycle.id, "review", SamplingRefused)
        found = candidates(cycle)
        if not found:
            raise SamplingRefused(_("本周期还没有已报送的项目可供抽查"))
        people = inspectors(cycle)
        audit.record(
            REQUESTED,
            "cycle",
            cycle.id,
            after={
                "parameters": parameters.as_dict(),
                "candidates_hash": sampling.candidates_hash(found),
                "candidates": len(found),
                "inspectors": [[i.id, sorted(i.recused)] for i in people],
            },
            actor=actor,
        )
        try:
            made = sampling.draw(found, people, parameters)
        except sampling.SamplingError as error:
            raise SamplingRefused(str(error)) from error
        entry = audit.record(DRAWN, "cycle", cycle.id, after=_payload(made), actor=actor)
    return SampleDraw(entry.id, made, _names(made))


def _payload(made: sampling.Draw) -> dict[str, object]:
    return {
        "parameters": made.parameters.as_dict(),
        "candidates_hash": made.candidates_hash,
        "items": [
            [i.candidate.unit, i.candidate.indicator, i.reason, i.inspector] for i in made.items
        ],
    }


def _names(made: sampling.Draw) -> dict[str, str]:
    from assess.accounts.models import User

    ids = [int(i.inspector) for i in made.items]
    query = User.select(User.id, User.username, User.display_name).where(User.id.in_(ids or [0]))
    return {str(u.id): u.display_name or u.username for u in query}


def latest_draw(cycle: Cycle) -> SampleDraw | None:
    """The cycle's latest recorded draw, None when none was made. One query (and one for
    the names)."""
    entry = (
        AuditEntry.select()
        .where(
            AuditEntry.action == DRAWN,
            AuditEntry.entity == "cycle",
            AuditEntry.entity_id == str(cycle.id),
        )
        .order_by(AuditEntry.id.desc())
        .first()
    )
    if entry is None:
        return None
    data = json.loads(entry.after)
    p = data["parameters"]
    parameters = sampling.SampleParameters(
        int(p["seed"]), Decimal(p["rate"]), Decimal(p["random_share"]), p["size"]
    )
    items = tuple(
        sampling.SampledItem(sampling.Candidate(unit, code), reason, 0.0, inspector)
        for unit, code, reason, inspector in data["items"]
    )
    made = sampling.Draw(data["candidates_hash"], parameters, items)
    return SampleDraw(entry.id, made, _names(made))
