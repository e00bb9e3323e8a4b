"""Nominations (提名) by the units' reporters: creating, editing and withdrawing them inside the round's window, and their evidence files."""

from __future__ import annotations

import re
import unicodedata
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
    if (
        category is not None
        and data.nominee_kind in tuple(NomineeKind)
        and data.nominee_kind != category.nominee_kind
    ):
        problems.append(
            _("“%(c)s”只推荐个人，请选择“个人”", c=category.name)
            if category.nominee_kind == NomineeKind.PERSON
            else _("“%(c)s”只推荐单位（集体），请选择“单位（集体）”", c=category.name)
        )
    if not (values["contact_person"] and values["contact_phone"]):
        problems.append(_("请填写联系人和联系电话"))
    elif not phone_number_valid(values["contact_phone"]):
        problems.append(
            _("联系电话格式不正确：请填写 11 位手机号码，或带区号的固定电话（如 0371-60000000）")
        )
    if not values["deeds"]:
        problems.append(_("请填写事迹材料"))
    if problems:
        raise NominationError(problems[0], problems)
    values["category"] = category
    return values


# A mainland mobile number (11 digits from 13…19), or a fixed line with its area code
# (0 + 2–3 digits, then 7–8) and an optional extension (转 or -, up to 6 digits), or a
# 400/800 service number. Spaces and hyphens between digit groups are what people type.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_FIXED_LINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:(?:转|-)\d{1,6})?")
_SERVICE = re.compile(r"[48]00-?\d{3}-?\d{4}")


def phone_number_valid(text: str) -> bool:
    """Whether ``text`` is a telephone number a person in the city could dial."""
    text = unicodedata.normalize("NFKC", text).strip()
    compact = re.sub(r"[\s()]", "", text)
    digits = compact.replace("-", "")
    if compact.startswith("+86"):
        digits, compact = digits[3:], compact[3:].lstrip("-")
    return bool(
        _MOBILE.fullmatch(digits) or _FIXED_LINE.fullmatch(compact) or _SERVICE.fullmatch(compact)
    )


def _nominee_key(name: str, work_unit: str) -> tuple[str, str]:
    """Who a nomination is for, as compared for duplicates: full-width and case folded,
    spaces removed (“某 公司” and “某公司” are one nominee)."""

    def fold(text: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()

    return fold(name), fold(work_unit)


def _require_no_duplicate(
    round_: NominationRound, values: dict[str, object], exclude: int | None = None
) -> None:
    """The same nominee twice in one round and category is refused (a person is told
    apart by the work unit too: two people may share a name). Inside the write
    transaction, after the round row is locked, so two units cannot both get in."""
    category = values["category"]
    wanted = _nominee_key(str(values["nominee_name"]), str(values["work_unit"]))
    person = values["nominee_kind"] == NomineeKind.PERSON
    query = Nomination.select(
        Nomination.id, Nomination.nominee_name, Nomination.work_unit, Nomination.unit
    ).where(
        Nomination.round == round_.id,
        Nomination.category == category,
        Nomination.status == NominationState.SUBMITTED,
    )
    if exclude is not None:
        query = query.where(Nomination.id != exclude)
    for other in query:
        key = _nominee_key(other.nominee_name, other.work_unit)
        if key[0] == wanted[0] and (not person or key[1] == wanted[1]):
            raise NominationError(
                _(
                    "本轮“%(c)s”类别中已有对“%(n)s”的提名，同一对象不能重复提名",
                    c=category.name,
                    n=values["nominee_name"],
                )
            )


def create_nomination(round_: NominationRound, data: NomineeInput, actor: User) -> Nomination:
    """A reporter's nomination for its own unit, only inside the window."""
    if actor.unit_id is None or not can(actor, "nominations.submit"):
        raise NominationError(_("只有单位填报员可以提名"))
    values = _nominee_values(round_, data)
    with database.atomic():
        _require_window(locked_round(round_))
        # The round of an office takes the units below it only (its owner's subtree).
        if not round_.covers(actor.unit_id):
            raise NominationError(_("本单位不在本轮评选的提名范围内"))
        _require_no_duplicate(round_, values)
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
        _require_no_duplicate(nomination.round, values, exclude=nomination.id)
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
