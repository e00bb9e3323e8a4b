"""The what-if page of a draft cycle (权重模拟): last year's published values re-scored
under the draft's set and the weights typed on the page. It reads and shows; nothing is
saved, so it writes no audit entry either."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.policy import allow, can, scope_of
from assess.cycles import lifecycle, whatif
from assess.cycles.forms import WhatIfForm
from assess.web.guard import viewable_cycle
from scoring.whatif import WeightError, check_weights

bp = Blueprint("whatif", __name__, url_prefix="/cycles")


@bp.route("/<int:cycle_id>/whatif", methods=["GET", "POST"])
@allow("cycles.whatif")
def simulate(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    if not can(current_user, "cycles.whatif", cycle):
        abort(404)  # only a draft has weights left to try out
    draft_set = lifecycle.indicator_set(cycle)
    baselines = whatif.baseline_cycles(cycle, owners=scope_of(current_user))
    form = WhatIfForm.for_set(draft_set, baselines)
    result, problems = None, []
    if request.method == "POST" and not form.validate_on_submit():
        problems = [_("页面已失效或所选周期无效，请重新提交")]
    elif baselines:
        chosen = next((c for c in baselines if c.id == form.baseline.data), baselines[0])
        form.baseline.data = chosen.id
        try:
            weights = check_weights(draft_set, form.typed_weights())
            result = whatif.simulate_cycle(cycle, chosen, weights)
        except WeightError as exc:
            problems = [str(exc)]
            for code, message in exc.errors.items():
                if f"weight-{code}" in form:
                    form[f"weight-{code}"].errors = [message]
        except lifecycle.CycleError as exc:
            problems = [str(exc)]
    return render_template(
        "cycles/whatif.html",
        cycle=cycle,
        form=form,
        result=result,
        problems=problems,
        has_baselines=bool(baselines),
    )
