"""The ten-types-of-models nomination round (十类典型评选): set-up, nominations, assignment,
review, ranking and the award list. Each view parses input, calls the domain, renders.

A nomination the user may not open answers 404, never 403, so its existence is not
confirmed (the same rule as ``guard.require_unit``).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
)
from flask_login import current_user

from assess.core.policy import can, reaches_round
from assess.nominations import pages
from assess.nominations.models import Nomination, NominationRound
from assess.nominations.rounds import NominationError

bp = Blueprint("nominations", __name__, url_prefix="/nominations")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def _labels() -> dict[str, object]:
    return {
        "flag_label": pages.flag_label,
        "cn_index": pages.cn_index,
        "params_text": pages.params_text,
        "score": pages.score_text,
    }


# --- loading and small helpers -------------------------------------------------------------


def load_round(round_id: int) -> NominationRound:
    """The round if the signed-in user reaches it (``reaches_round``: the city's, or one its
    level runs), else 404."""
    round_ = NominationRound.get_or_none(NominationRound.id == round_id)
    if round_ is None or not reaches_round(current_user, round_):
        abort(404)
    return round_


def load_nomination(nomination_id: int) -> Nomination:
    """The nomination if the signed-in user may open it, else 404."""
    nomination = Nomination.get_or_none(Nomination.id == nomination_id)
    if nomination is None or not can(current_user, "nominations.open", nomination):
        abort(404)
    return nomination


def flash_problems(exc: NominationError) -> None:
    for message in exc.problems or [str(exc)]:
        flash(message, "error")


def optional_int(value: str | None) -> int | None:
    return int(value) if value and str(value).isdigit() else None
