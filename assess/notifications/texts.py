"""What a notification says, rendered in the reader's language when it is read.

A notification stores its kind and the event's parameters (names, codes, dates, the
reason typed), never the sentence: the sentence is one message id per kind here, so it is
translated like every other string and a wording fixed later reads right on old ones too.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from assess.core.enums import NotificationKind

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
}
# The same kinds when a parameter makes another sentence read better.
LAST_DAY = _l("%(cycle)s：今天（%(due)s）是自评截止日，尚有指标未提交")
WHOLE_UNIT_DEMAND = _l("%(cycle)s：收到整改要求，整改期限 %(due)s：%(demand)s")
UNKNOWN = _l("系统消息")


def render(kind: str, params: dict) -> str:
    """The sentence of a notification of ``kind`` with ``params``; a kind this code does
    not know (written by a newer version), or parameters that do not fit, read as a plain
    系统消息 rather than failing the page."""
    text = TEXTS.get(kind)
    if kind == NotificationKind.DEADLINE_NEAR and params.get("days") == 0:
        text = LAST_DAY
    elif kind == NotificationKind.RECTIFICATION_DEMANDED and not params.get("code"):
        text = WHOLE_UNIT_DEMAND
    if text is None:
        return str(UNKNOWN)
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return str(UNKNOWN)
