"""Nominations (提名) by the units' reporters: creating, editing and withdrawing them inside the round's window, and their evidence files."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import NominationState, NomineeKind
from assess.core.models import utcnow
from assess.core.policy import can
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from assess.nominations.models import (
    Nomination,
    NominationCategory,
    NominationRound,
)
from assess.nominations.rounds import NOMINATION_FIELDS, NominationError, locked_round, window_open

# --- nominations (reporters) ---------------------------------------------------------------


@dataclass(frozen=True)
class NomineeInput:
    """What a reporter fills in for one nomination."""

    category_id: int
    nominee_kind: str
    nominee_name: str
    work_unit: str = ""
    position: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    deeds: str = ""


def _require_window(round_: NominationRound) -> None:
    if not window_open(round_):
        raise NominationError(
            _(
                "不在提名时间内（%(a)s 至 %(b)s），不能提交或修改提名",
                a=round_.window_opens.isoformat(),
                b=round_.window_closes.isoformat(),
            )
        )


def _nominee_values(round_: NominationRound, data: NomineeInput) -> dict[str, object]:
    category = NominationCategory.get_or_none(
        NominationCategory.id == data.category_id, NominationCategory.round == round_
    )
    values = {
        "nominee_kind": data.nominee_kind,
        "nominee_name": data.nominee_name.strip(),
        "work_unit": data.work_unit.strip(),
        "position": data.position.strip(),
        "contact_person": data.contact_person.strip(),
        "contact_phone": data.contact_phone.strip(),
        "deeds": data.deeds.strip(),
    }
    problems = []
    if category is None:
        problems.append(_("请选择本轮评选的类别"))
    if data.nominee_kind not in tuple(NomineeKind):
        problems.append(_("请选择推荐对象类型（单位或个人）"))
    if not values["nominee_name"]:
        problems.append(_("请填写推荐对象名称（姓名）"))
    if data.nominee_kind == NomineeKind.PERSON and not (values["work_unit"] and values["position"]):
        problems.append(_("推荐个人须填写工作单位和职务"))
    if not (values["contact_person"] and values["contact_phone"]):
        problems.append(_("请填写联系人和联系电话"))
    if not values["deeds"]:
        problems.append(_("请填写事迹材料"))
    if problems:
        raise NominationError(problems[0], problems)
    values["category"] = category
    return values


def create_nomination(round_: NominationRound, data: NomineeInput, actor: User) -> Nomination:
    """A reporter's nomination for its own unit, only inside the window."""
    if actor.unit_id is None or not can(actor, "nominations.submit"):
        raise NominationError(_("只有单位填报员可以提名"))
    values = _nominee_values(round_, data)
    with database.atomic():
        _require_window(locked_round(round_))
        nomination = Nomination.create(
            round=round_, unit=actor.unit_id, created_by=actor.id, **values
        )
        audit.record(
            "nomination.create",
            "nomination",
            nomination.id,
            after=audit.model_snapshot(nomination, NOMINATION_FIELDS),
            actor=actor,
        )
    return nomination


def update_nomination(nomination: Nomination, data: NomineeInput, actor: User) -> None:
    """Edit an own-unit nomination while the window is open."""
    values = _nominee_values(nomination.round, data)
    with database.atomic():
        _require_window(locked_round(nomination.round))
        _require_own(locked(Nomination, nomination.id), actor)
        before = audit.model_snapshot(nomination, NOMINATION_FIELDS)
        for key, value in values.items():
            setattr(nomination, key, value)
        nomination.updated_at = utcnow()
        nomination.save()
        audit.record(
            "nomination.update",
            "nomination",
            nomination.id,
            before=before,
            after=audit.model_snapshot(nomination, NOMINATION_FIELDS),
            actor=actor,
        )


def withdraw_nomination(nomination: Nomination, actor: User) -> None:
    """Withdraw (撤回) an own-unit nomination while the window is open; the row is kept."""
    with database.atomic():
        _require_window(locked_round(nomination.round))
        current = locked(Nomination, nomination.id)
        if current.status == NominationState.WITHDRAWN:
            raise NominationError(_("该提名已撤回"))
        _require_own(current, actor)
        nomination.status = NominationState.WITHDRAWN
        nomination.updated_at = utcnow()
        nomination.save()
        audit.record(
            "nomination.withdraw",
            "nomination",
            nomination.id,
            before={"status": NominationState.SUBMITTED},
            after={"status": NominationState.WITHDRAWN},
            actor=actor,
        )


def _require_own(nomination: Nomination, actor: User) -> None:
    if not can(actor, "nominations.submit", nomination):
        raise NominationError(_("只能修改本单位的提名"))
    if nomination.status != NominationState.SUBMITTED:
        raise NominationError(_("该提名已撤回，不能修改"))


def add_evidence(
    nomination: Nomination, files, actor: User, store: EvidenceStore
) -> list[Evidence]:
    """Store uploads in ``store`` and attach them to an own-unit nomination while the window
    is open (checked again inside the write transaction)."""
    _require_own(nomination, actor)
    _require_window(nomination.round)
    try:
        stored = attachments.store_uploads(files, store)
        if not stored:
            raise NominationError(_("请选择要上传的文件"))
        with database.atomic():
            _require_window(locked_round(nomination.round))
            _require_own(locked(Nomination, nomination.id), actor)
            return attachments.attach(
                stored, actor, nomination.unit_id, nomination_id=nomination.id
            )
    except attachments.EvidenceError as exc:
        raise NominationError(str(exc)) from exc


def remove_evidence(nomination: Nomination, row: Evidence, actor: User) -> None:
    """Detach a file from an own-unit nomination while the window is open."""
    if row.nomination_id != nomination.id:
        raise NominationError(_("该文件不属于此提名"))
    with database.atomic():
        _require_window(locked_round(nomination.round))
        _require_own(locked(Nomination, nomination.id), actor)
        attachments.remove(row, actor)


def nomination_evidence(nomination: Nomination) -> list[Evidence]:
    return list(
        Evidence.select().where(Evidence.nomination_id == nomination.id).order_by(Evidence.id)
    )
