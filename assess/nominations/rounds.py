"""The ten-types-of-models nomination round (十类典型评选), per SPEC §5 and seed 003
(郑政办文〔2013〕37号): the round's set-up, nominations inside the window, their evidence,
who may open what, and declared conflicts (回避). Assignment and review are in
``assess.nominations.review_sheets``, ranking runs and the award list in ``assess.nominations.ranking_runs``.

Every write runs in one transaction with its audit entry. Beyond the role check in
``policy``, this module decides who may open a nomination: the admin every one; a reporter
only its own unit's; a reviewer only one it is assigned to and has no conflict with (its
``User.unit`` is the nominating unit, or it declared one); a viewer none.

Reviewers are the round's panel (评审专家组): active users with the ``inspector`` role,
all of them by default. Administrators run the round and confirm the list; they are not
panel members, so no one both scores and confirms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import uuid4

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import NominationState, NomineeKind, ReviewSheetState, RoundPhase
from assess.core.formatting import plain_number
from assess.core.policy import INSPECTOR, REPORTER, scope_of
from assess.nominations.models import (
    Nomination,
    NominationCategory,
    NominationRound,
    PanelMember,
    RankingRun,
    ReviewerConflict,
    ReviewSheet,
    ScoreCriterion,
    today,
)
from assess.units.models import Unit

# SPEC §5: the first six are named in seed 003, the last four are the default additions.
DEFAULT_CATEGORIES = (
    ("先进县(市、区)", NomineeKind.UNIT),
    ("先进乡(镇、办)", NomineeKind.UNIT),
    ("先进用工单位", NomineeKind.UNIT),
    ("先进服务管理机构", NomineeKind.UNIT),
    ("先进培训机构", NomineeKind.UNIT),
    ("优秀外来务工人员", NomineeKind.PERSON),
    ("先进学校", NomineeKind.UNIT),
    ("先进社区", NomineeKind.UNIT),
    ("先进医疗卫生计生机构", NomineeKind.UNIT),
    ("优秀流动人口服务工作者", NomineeKind.PERSON),
)
# A paper 评分表: each criterion scored from 0 to its points; the points sum to 100.
DEFAULT_CRITERIA = (
    ("事迹真实典型", "事迹材料真实、具体，在促进流动人口社会融合方面具有典型性", 30),
    ("工作成效显著", "流动人口基本公共服务均等化工作成效突出，有数据支撑", 30),
    ("创新与示范带动", "工作方法有创新，可复制、可推广，带动作用明显", 20),
    ("社会评价", "流动人口及群众满意度高，社会反响好", 10),
    ("材料规范完整", "推荐材料与佐证材料齐全、规范", 10),
)
# Seed 003: the top 30 are jointly commended by these two offices.
AWARD_ISSUERS = ("郑州市人力资源和社会保障局", "郑州市人口和计划生育委员会")


def award_issuers(round_: NominationRound) -> tuple[str, ...]:
    """Who issues the round's award list (发文机关): the city's two offices jointly (seed
    003) for the city's round, the owner's leading-group office for a round an office of
    one level runs (as ``reports.content.issuing_office`` names a cycle's)."""
    if round_.__data__.get("owner") is None:
        return AWARD_ISSUERS
    return (_("%(unit)s流动人口服务管理工作领导小组办公室", unit=round_.owner.name),)


ROUND_FIELDS = (
    "year",
    "title",
    "window_opens",
    "window_closes",
    "top_n",
    "cap_per_category",
    "reviewers_per_nomination",
    "min_reviews",
    "normalise",
)
NOMINATION_FIELDS = (
    "category",
    "unit",
    "nominee_kind",
    "nominee_name",
    "work_unit",
    "position",
    "contact_person",
    "contact_phone",
    "deeds",
    "status",
)


class NominationError(ValueError):
    """A request about a nomination round that cannot be carried out; the message is for
    the user, and ``problems`` lists each problem when there are several."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


def default_title(year: int, owner: Unit | None = None) -> str:
    """The round's title when the office gives none: the city's, or the owner unit's."""
    if owner is None:
        return _("%(year)s年度郑州市培育十类典型促进流动人口社会融合评选", year=year)
    return _("%(year)s年度%(unit)s培育十类典型促进流动人口社会融合评选", year=year, unit=owner.name)


# --- round state -------------------------------------------------------------------------


def reached_rounds(user):
    """The rounds ``user`` works with, as a query (``policy.reaches_round`` in SQL): every
    round for a person of the city; the rounds its subtree runs for a scoped person; the
    city's and its offices' above for a reporter."""
    query = NominationRound.select()
    if user.role == REPORTER:
        owners = Unit.above(user.unit_id) if user.unit_id is not None else frozenset()
        return query.where(NominationRound.owner.is_null() | NominationRound.owner.in_(owners))
    scope = scope_of(user)
    return query if scope is None else query.where(NominationRound.owner.in_(scope))


def window_open(round_: NominationRound, on: date | None = None) -> bool:
    return round_.window_open(on)


def window_closed(round_: NominationRound, on: date | None = None) -> bool:
    return (on or today()) > round_.window_closes


def confirmed_run(round_: NominationRound) -> RankingRun | None:
    return (
        RankingRun.select()
        .where(RankingRun.round == round_, RankingRun.confirmed_at.is_null(False))
        .first()
    )


def latest_run(round_: NominationRound) -> RankingRun | None:
    return (
        RankingRun.select()
        .where(RankingRun.round == round_)
        .order_by(RankingRun.number.desc())
        .first()
    )


def round_sheets(round_: NominationRound):
    """Every score sheet of the round's nominations (a query to refine)."""
    return ReviewSheet.select().join(Nomination).where(Nomination.round == round_)


def active_nominations(round_: NominationRound):
    """The round's nominations that were not withdrawn (a query to refine)."""
    return Nomination.select().where(
        Nomination.round == round_, Nomination.status == NominationState.SUBMITTED
    )


def phase(round_: NominationRound) -> RoundPhase:
    """Where the round stands: preparing, nominating, closed (awaiting assignment),
    reviewing or confirmed."""
    if confirmed_run(round_) is not None:
        return RoundPhase.CONFIRMED
    if window_open(round_):
        return RoundPhase.NOMINATING
    if not window_closed(round_):
        return RoundPhase.PREPARING
    return RoundPhase.REVIEWING if round_sheets(round_).exists() else RoundPhase.CLOSED


def locked_round(round_: NominationRound) -> NominationRound:
    """The round re-read inside the caller's transaction and, on PostgreSQL, locked, so that
    assignment, review submission, ranking and confirmation never interleave."""
    return locked(NominationRound, round_.id)


def require_not_confirmed(round_: NominationRound) -> None:
    if confirmed_run(round_) is not None:
        raise NominationError(_("表彰名单已确认，本轮评选不能再修改"))


def require_window_closed(round_: NominationRound) -> None:
    if not window_closed(round_):
        raise NominationError(
            _("提名截止（%(d)s）后才能分配评审", d=round_.window_closes.isoformat())
        )


# --- set-up (admin) ------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundSettings:
    """The admin's settings of a round; see ``NominationRound``."""

    year: int
    title: str
    window_opens: date
    window_closes: date
    top_n: int = 30
    cap_per_category: int | None = None
    reviewers_per_nomination: int = 5
    min_reviews: int = 5
    normalise: bool = False


def _check_settings(s: RoundSettings) -> None:
    problems = []
    if not 2000 <= s.year <= 2100:
        problems.append(_("年度应在 2000–2100 之间"))
    if s.window_opens > s.window_closes:
        problems.append(_("提名开始日期不能晚于截止日期"))
    if s.top_n < 1:
        problems.append(_("表彰名额至少为 1"))
    if s.cap_per_category is not None and s.cap_per_category < 1:
        problems.append(_("每类名额上限至少为 1（不限请留空）"))
    if s.reviewers_per_nomination < 1:
        problems.append(_("每个提名的评审人数至少为 1"))
    if not 1 <= s.min_reviews <= s.reviewers_per_nomination:
        problems.append(_("最少有效评审数应在 1 到每个提名的评审人数之间"))
    if problems:
        raise NominationError(problems[0], problems)


def _panel_candidates(round_: NominationRound):
    """The active inspectors who reach the round (``policy.reaches_round`` in SQL): those
    of the city, and for an office's round those scoped to its owner or a unit above it."""
    query = User.select().where(User.role == INSPECTOR, User.active == True)  # noqa: E712
    owner = round_.__data__.get("owner")
    reaching = User.scope_unit.is_null()
    if owner is not None:
        reaching |= User.scope_unit.in_(Unit.above(owner) | {owner})
    return query.where(reaching)


def _require_panel_size(panel: int, per_nomination: int, allow_empty: bool = False) -> None:
    """Each nomination needs ``per_nomination`` different reviewers from the panel, so the
    panel can never be smaller. An empty panel is allowed while a round is being set up
    (no inspector accounts yet); choosing the panel then has to meet the rule."""
    if panel < per_nomination and not (allow_empty and panel == 0):
        raise NominationError(
            _(
                "评审专家组只有 %(p)s 人，少于每个提名的评审人数 %(k)s 人："
                "请增加评审专家或减少每个提名的评审人数",
                p=panel,
                k=per_nomination,
            )
        )


def create_round(settings: RoundSettings, actor: User) -> NominationRound:
    """Create a round with the default ten categories, the default score sheet and every
    active inspector on the panel; refuse bad settings."""
    _check_settings(settings)
    # The round belongs to the office of the creator's level (its scope unit; the city: none).
    owner_id = actor.__data__.get("scope_unit")
    owner = Unit.get_by_id(owner_id) if owner_id is not None else None
    title = settings.title.strip() or default_title(settings.year, owner)
    fields = dict(settings.__dict__, title=title)
    with database.atomic():
        round_ = NominationRound.create(created_by=actor.id, owner=owner_id, **fields)
        NominationCategory.insert_many(
            [
                {"round": round_.id, "name": name, "nominee_kind": kind, "sort_order": i}
                for i, (name, kind) in enumerate(DEFAULT_CATEGORIES)
            ]
        ).execute()
        ScoreCriterion.insert_many(
            [
                {
                    "round": round_.id,
                    "name": name,
                    "guidance": guidance,
                    "weight": weight,
                    "sort_order": i,
                }
                for i, (name, guidance, weight) in enumerate(DEFAULT_CRITERIA)
            ]
        ).execute()
        panel = [u.id for u in _panel_candidates(round_)]
        _require_panel_size(len(panel), settings.reviewers_per_nomination, allow_empty=True)
        if panel:
            PanelMember.insert_many([{"round": round_.id, "reviewer": u} for u in panel]).execute()
        audit.record(
            "nomination_round.create",
            "nomination_round",
            round_.id,
            after=dict(audit.model_snapshot(round_, ROUND_FIELDS), panel=panel),
            actor=actor,
        )
    return round_


def update_round(round_: NominationRound, settings: RoundSettings, actor: User) -> None:
    """Change a round's settings; once reviewers are assigned, neither the reviewers per
    nomination nor a window that would reopen nominations."""
    _check_settings(settings)
    with database.atomic():
        round_ = locked_round(round_)
        require_not_confirmed(round_)
        panel_size = PanelMember.select().where(PanelMember.round == round_).count()
        _require_panel_size(panel_size, settings.reviewers_per_nomination, allow_empty=True)
        if round_sheets(round_).exists():
            if settings.reviewers_per_nomination != round_.reviewers_per_nomination:
                raise NominationError(_("已分配评审，不能再修改每个提名的评审人数"))
            # Reopening the window would let units change deeds under the reviewers.
            if settings.window_closes >= today():
                raise NominationError(_("已分配评审，提名截止日期只能在今天之前"))
        before = audit.model_snapshot(round_, ROUND_FIELDS)
        for name in ROUND_FIELDS:
            setattr(round_, name, getattr(settings, name))
        round_.title = round_.title.strip() or default_title(round_.year, round_.owner)
        round_.save()
        audit.record(
            "nomination_round.update",
            "nomination_round",
            round_.id,
            before=before,
            after=audit.model_snapshot(round_, ROUND_FIELDS),
            actor=actor,
        )


@dataclass(frozen=True)
class CategoryRow:
    id: int | None
    name: str
    nominee_kind: str
    remove: bool = False


def save_categories(round_: NominationRound, rows: Iterable[CategoryRow], actor: User) -> None:
    """Rename, add and remove categories in the given order; a category that has
    nominations cannot be removed, and names must be unique."""
    rows = [r for r in rows if r.id or (r.name.strip() and not r.remove)]
    with database.atomic():
        round_ = locked_round(round_)
        require_not_confirmed(round_)
        existing = {c.id: c for c in round_.categories}
        kept = [r for r in rows if not r.remove]
        names = [r.name.strip() for r in kept]
        problems = []
        if any(not n for n in names):
            problems.append(_("类别名称不能为空"))
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            problems.append(_("类别名称重复：%(n)s", n="、".join(repeated)))
        if not kept:
            problems.append(_("至少保留一个类别"))
        if any(r.nominee_kind not in tuple(NomineeKind) for r in kept):
            problems.append(_("请选择推荐对象类型（单位或个人）"))
        unknown = [r.id for r in rows if r.id and r.id not in existing]
        if unknown:
            problems.append(_("类别不属于本轮评选"))
        for r in rows:
            if r.remove and r.id in existing and existing[r.id].nominations.exists():
                problems.append(_("类别“%(n)s”已有提名，不能删除", n=existing[r.id].name))
        if problems:
            raise NominationError(problems[0], problems)
        before = [(c.id, c.name, c.nominee_kind) for c in existing.values()]
        for r in rows:
            if r.remove and r.id:
                existing[r.id].delete_instance()
        # Two passes so that swapping two names never trips the unique (round, name) index.
        for r in kept:
            if r.id:
                NominationCategory.update(name=f"~{uuid4().hex}").where(
                    NominationCategory.id == r.id
                ).execute()
        for order, r in enumerate(kept):
            values = {"name": r.name.strip(), "nominee_kind": r.nominee_kind, "sort_order": order}
            if r.id:
                NominationCategory.update(**values).where(NominationCategory.id == r.id).execute()
            else:
                NominationCategory.create(round=round_, **values)
        after = [(c.id, c.name, c.nominee_kind) for c in categories(round_)]
        audit.record(
            "nomination_round.categories",
            "nomination_round",
            round_.id,
            before={"categories": before},
            after={"categories": after},
            actor=actor,
        )


@dataclass(frozen=True)
class CriterionRow:
    id: int | None
    name: str
    guidance: str
    weight: Decimal | None
    remove: bool = False


def save_criteria(round_: NominationRound, rows: Iterable[CriterionRow], actor: User) -> None:
    """Replace the score sheet's lines; the points must be positive and sum to 100, and the
    sheet is frozen once any reviewer has saved a score."""
    rows = [r for r in rows if r.id or (r.name.strip() and not r.remove)]
    kept = [r for r in rows if not r.remove]
    problems = []
    if not kept:
        problems.append(_("评分细则至少需要一项"))
    if any(not r.name.strip() for r in kept):
        problems.append(_("评分项名称不能为空"))
    if any(r.weight is None or not r.weight.is_finite() or r.weight <= 0 for r in kept):
        problems.append(_("每个评分项的分值应大于 0"))
    elif sum((r.weight for r in kept), Decimal(0)) != 100:
        total = sum((r.weight for r in kept), Decimal(0))
        problems.append(_("评分细则的分值合计应为 100，现为 %(t)s", t=plain_number(total)))
    if problems:
        raise NominationError(problems[0], problems)
    with database.atomic():
        round_ = locked_round(round_)
        require_not_confirmed(round_)
        if round_sheets(round_).where(ReviewSheet.status != ReviewSheetState.ASSIGNED).exists():
            raise NominationError(_("评审已开始打分，评分细则不能再修改"))
        existing = {c.id: c for c in round_.criteria}
        if any(r.id and r.id not in existing for r in rows):
            raise NominationError(_("评分项不属于本轮评选"))
        before = [(c.id, c.name, str(c.weight)) for c in criteria(round_)]
        for r in rows:
            if r.remove and r.id:
                existing[r.id].delete_instance()
        for order, r in enumerate(kept):
            values = {
                "name": r.name.strip(),
                "guidance": r.guidance.strip(),
                "weight": r.weight,
                "sort_order": order,
            }
            if r.id:
                ScoreCriterion.update(**values).where(ScoreCriterion.id == r.id).execute()
            else:
                ScoreCriterion.create(round=round_, **values)
        after = [(c.id, c.name, str(c.weight)) for c in criteria(round_)]
        audit.record(
            "nomination_round.criteria",
            "nomination_round",
            round_.id,
            before={"criteria": before},
            after={"criteria": after},
            actor=actor,
        )


def categories(round_: NominationRound) -> list[NominationCategory]:
    return list(
        NominationCategory.select()
        .where(NominationCategory.round == round_)
        .order_by(NominationCategory.sort_order, NominationCategory.id)
    )


def criteria(round_: NominationRound) -> list[ScoreCriterion]:
    return list(
        ScoreCriterion.select()
        .where(ScoreCriterion.round == round_)
        .order_by(ScoreCriterion.sort_order, ScoreCriterion.id)
    )


def panel(round_: NominationRound) -> list[User]:
    """The round's active reviewers, by name."""
    return list(
        User.select()
        .join(PanelMember, on=(PanelMember.reviewer == User.id))
        .where(PanelMember.round == round_, User.active == True)  # noqa: E712
        .order_by(User.username)
    )


def panel_candidates(round_: NominationRound) -> list[User]:
    return list(_panel_candidates(round_).order_by(User.username))


def set_panel(round_: NominationRound, reviewer_ids: Iterable[int], actor: User) -> None:
    """Make the panel exactly ``reviewer_ids`` (active inspectors); a reviewer holding score
    sheets cannot leave until the admin has moved them."""
    wanted = set(reviewer_ids)
    with database.atomic():
        round_ = locked_round(round_)
        require_not_confirmed(round_)
        allowed = {u.id for u in _panel_candidates(round_)}
        if wanted - allowed:
            raise NominationError(_("评审专家只能从本轮评选所及的启用督查员账号中选择"))
        current = {m.reviewer_id for m in PanelMember.select().where(PanelMember.round == round_)}
        leaving = current - wanted
        busy = (
            User.select(User.username)
            .join(ReviewSheet, on=(ReviewSheet.reviewer == User.id))
            .join(Nomination)
            .where(Nomination.round == round_, User.id.in_(list(leaving) or [0]))
            .distinct()
        )
        names = sorted(u.username for u in busy)
        if names:
            raise NominationError(
                _("以下评审专家已分配评分表，请先调整分配：%(n)s", n="、".join(names))
            )
        _require_panel_size(len(wanted), round_.reviewers_per_nomination)
        PanelMember.delete().where(
            PanelMember.round == round_, PanelMember.reviewer.in_(list(leaving) or [0])
        ).execute()
        joining = sorted(wanted - current)
        if joining:
            PanelMember.insert_many(
                [{"round": round_.id, "reviewer": u} for u in joining]
            ).execute()
        audit.record(
            "nomination_round.panel",
            "nomination_round",
            round_.id,
            before={"panel": sorted(current)},
            after={"panel": sorted(wanted)},
            actor=actor,
        )


# --- conflicts of interest ----------------------------------------------------------------
# Who may open or review a nomination is decided by ``assess.core.policy`` (``can``).


def declare_conflict(nomination: Nomination, reviewer: User, reason: str) -> None:
    """A panel member declares a conflict (回避) with a nomination; an unsubmitted score
    sheet it held is withdrawn, so the admin fills the place."""
    reason = reason.strip()
    if not reason:
        raise NominationError(_("请说明回避理由"))
    with database.atomic():
        round_ = locked_round(nomination.round)
        require_not_confirmed(round_)
        if (
            not PanelMember.select()
            .where(PanelMember.round == round_, PanelMember.reviewer == reviewer.id)
            .exists()
        ):
            raise NominationError(_("您不是本轮评选的评审专家"))
        if reviewer.unit_id is not None and reviewer.unit_id == nomination.unit_id:
            raise NominationError(_("本单位的提名自动回避，无需声明"))
        if nomination.conflicts_with(reviewer):
            raise NominationError(_("已声明回避"))
        sheet = ReviewSheet.get_or_none(
            ReviewSheet.nomination == nomination, ReviewSheet.reviewer == reviewer.id
        )
        if sheet is not None and sheet.status == ReviewSheetState.SUBMITTED:
            raise NominationError(_("已提交评分，如需回避请联系领导小组办公室"))
        ReviewerConflict.create(nomination=nomination, reviewer=reviewer.id, reason=reason)
        if sheet is not None:
            sheet.delete_instance(recursive=True)
        audit.record(
            "nomination.conflict",
            "nomination",
            nomination.id,
            after={"reviewer": reviewer.id, "reason": reason, "sheet_removed": sheet is not None},
            actor=reviewer,
        )
