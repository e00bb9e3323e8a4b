"""Labels people read for stored codes: roles and unit kinds (translated at use)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from scoring.model import ASSESSED_KINDS

# The stored codes live here, in the bottom layer, so that labels need no area's models;
# ``assess.accounts.models`` and ``assess.units.models`` import them from core.
ROLES = ("admin", "inspector", "reporter", "viewer")
# The city is the root of the tree and is never assessed; the kinds indicator sets speak of
# (scoring's, in report order) are.
UNIT_KINDS = ("city", *ASSESSED_KINDS)


def role_labels() -> list[tuple[str, str]]:
    labels = {
        "admin": _l("管理员（领导小组办公室）"),
        "inspector": _l("督查员/评审专家"),
        "reporter": _l("填报员"),
        "viewer": _l("领导（查看）"),
    }
    return [(r, labels[r]) for r in ROLES]


def kind_labels() -> list[tuple[str, str]]:
    labels = {
        "city": _l("市"),
        "county": _l("县（市、区）"),
        "department": _l("成员单位"),
        "township": _l("乡（镇、办）"),
        "community": _l("社区（村）"),
    }
    return [(k, labels[k]) for k in UNIT_KINDS]


def role_label(role: str) -> str:
    return str(dict(role_labels()).get(role, role))


def kind_label(kind: str) -> str:
    return str(dict(kind_labels()).get(kind, kind))
