"""The unit tree (单位树): counties, townships, communities and member departments."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from assess.models import Unit
from assess.policy import REPORTER, allow
from assess.units import unit_tree

bp = Blueprint("units", __name__, url_prefix="/units")


@bp.route("/")
@allow("units.view_tree")
def tree():
    units = Unit.ordered()
    if current_user.role == REPORTER:
        # A reporter sees its own unit and the units below it, nothing of its peers.
        units = _subtree(current_user.unit_id)
    return render_template("units/tree.html", roots=unit_tree(units))


def _subtree(root_id: int) -> list[Unit]:
    rows = list(Unit.ordered())
    by_parent: dict[int | None, list[Unit]] = {}
    for u in rows:
        by_parent.setdefault(u.__data__.get("parent"), []).append(u)
    keep, stack = [], [u for u in rows if u.id == root_id]
    while stack:
        unit = stack.pop()
        keep.append(unit)
        stack.extend(by_parent.get(unit.id, []))
    keep.sort(key=lambda u: (u.sort_order, u.code))
    # The root must come out as a root of the returned forest.
    return keep
