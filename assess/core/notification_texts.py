"""What a notification says, rendered in the reader's language when it is read.

A notification stores its kind and the event's parameters (names, codes, dates, the
reason typed), never the sentence: the sentence is one message id per kind here, so it is
translated like every other string and a wording fixed later reads right on old ones too.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from assess.core.enums import AppealState, NotificationKind

TEXTS = {
    NotificationKind.ITEM_RETURNED: _l(
        "%(cycle)s：指标 %(code)s %(name)s 被退回修改，退回原因：%(reason)s"
    ),
    NotificationKind.RECTIFICATION_DEMANDED: _l(
        "%(cycle)s：收到整改要求（%(code)s），整改期限 %(due)s：%(demand)s"
    ),
    NotificationKind.DEADLINE_NEAR: _l(
        "%(cycle)s：自评截止日期为 %(due)s，还有 %(days)s 天，尚有指标未提交"
    ),
    NotificationKind.DEADLINE_PASSED: _l(
        "%(cycle)s：自评截止日期 %(due)s 已过，尚有指标未提交，请尽快联系领导小组办公室"
    ),
    NotificationKind.CHASE: _l("%(cycle)s：%(sender)s 催报：%(message)s"),
    NotificationKind.RECTIFICATION_CLOSED: _l(
        "%(cycle)s：整改要求（%(code)s）已核查关闭：%(demand)s"
    ),
    NotificationKind.RECTIFICATION_OVERDUE: _l(
        "%(cycle)s：整改要求（%(code)s）已过整改期限 %(due)s，尚未报送整改情况：%(demand)s"
    ),
    NotificationKind.CYCLE_OPENED: _l("%(cycle)s 已开始自评填报，自评截止日期 %(due)s"),
    NotificationKind.CYCLE_PUBLISHED: _l("%(cycle)s 考核结果已公布"),
    NotificationKind.CYCLE_REPUBLISHED: _l("%(cycle)s 考核结果已重新公布，原因：%(reason)s"),
    NotificationKind.REVIEW_ASSIGNED: _l("%(round)s：分配给您 %(count)s 份评分表，请评审打分"),
    NotificationKind.BATCH_DONE: _l(
        "%(cycle)s：批量生成的 %(reports)s 份督查报告已完成，可下载压缩包"
    ),
    NotificationKind.BATCH_FAILED: _l("%(cycle)s：批量生成督查报告失败：%(error)s"),
    NotificationKind.APPEAL_FILED: _l(
        "%(cycle)s：%(unit)s 对指标 %(codes)s 提出复核申诉，请答复：%(reason)s"
    ),
    NotificationKind.APPEAL_ANSWERED: _l(
        "%(cycle)s：对指标 %(code)s %(name)s 的复核申诉成立，得分已改正，待重新公布：%(answer)s"
    ),
}
# The same kinds when a parameter makes another sentence read better.
LAST_DAY = _l("%(cycle)s：今天（%(due)s）是自评截止日，尚有指标未提交")
WHOLE_UNIT_DEMAND = _l("%(cycle)s：收到整改要求，整改期限 %(due)s：%(demand)s")
WHOLE_UNIT_CLOSED = _l("%(cycle)s：整改要求已核查关闭：%(demand)s")
WHOLE_UNIT_OVERDUE = _l("%(cycle)s：整改要求已过整改期限 %(due)s，尚未报送整改情况：%(demand)s")
NO_DUE_OPENED = _l("%(cycle)s 已开始自评填报")
REOPENED = _l("%(cycle)s 已重新开放自评填报，原因：%(reason)s")
BATCH_DONE_WITH_FAILURES = _l(
    "%(cycle)s：批量生成督查报告已完成，%(reports)s 份成功，%(failed)s 份未能生成（见压缩包内清单）"
)
APPEAL_REJECTED = _l("%(cycle)s：对指标 %(code)s %(name)s 的复核申诉不成立：%(answer)s")
UNKNOWN = _l("系统消息")


# kind -> the variant sentence its parameters call for, or None for the kind's own.
VARIANTS = {
    NotificationKind.DEADLINE_NEAR: lambda p: LAST_DAY if p.get("days") == 0 else None,
    NotificationKind.RECTIFICATION_DEMANDED: lambda p: None if p.get("code") else WHOLE_UNIT_DEMAND,
    NotificationKind.CYCLE_OPENED: lambda p: (
        REOPENED if p.get("reason") else None if p.get("due") else NO_DUE_OPENED
    ),
    NotificationKind.BATCH_DONE: lambda p: BATCH_DONE_WITH_FAILURES if p.get("failed") else None,
    # a demand on the whole unit has no indicator code to name
    NotificationKind.RECTIFICATION_CLOSED: lambda p: None if p.get("code") else WHOLE_UNIT_CLOSED,
    NotificationKind.RECTIFICATION_OVERDUE: lambda p: None if p.get("code") else WHOLE_UNIT_OVERDUE,
    NotificationKind.APPEAL_ANSWERED: lambda p: (
        APPEAL_REJECTED if p.get("outcome") == AppealState.REJECTED else None
    ),
}


def render(kind: str, params: dict) -> str:
    """The sentence of a notification of ``kind`` with ``params``; a kind this code does
    not know (written by a newer version), or parameters that do not fit, read as a plain
    系统消息 rather than failing the page."""
    variant = VARIANTS.get(kind)
    text = (variant(params) if variant else None) or TEXTS.get(kind)
    if text is None:
        return str(UNKNOWN)
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return str(UNKNOWN)
