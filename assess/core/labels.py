"""Labels people read for stored codes: one table per enum of ``assess.core.enums``.

Each table maps every member to its Chinese label, translated when it is rendered (lazy),
and each ``*_label`` function answers the label of a stored value, or the value itself
when it is not a member (an unknown code shows as is rather than failing the page).
Templates get the functions as globals (``assess.web.navigation.init_app``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from assess.core.audit import SYSTEM_ACTOR
from assess.core.enums import (
    AppealState,
    CycleState,
    DeliveryChannel,
    DeliveryState,
    JobState,
    Light,
    NominationState,
    NomineeKind,
    NotificationKind,
    RectificationState,
    ReminderThreshold,
    ReportProgress,
    ReviewSheetState,
    Role,
    RoundPhase,
    SmtpSecurity,
    SubmissionState,
    UnitKind,
)

ROLE_LABELS = {
    Role.ADMIN: _l("管理员（领导小组办公室）"),
    Role.INSPECTOR: _l("督查员/评审专家"),
    Role.REPORTER: _l("填报员"),
    Role.VIEWER: _l("领导（查看）"),
}
UNIT_KIND_LABELS = {
    UnitKind.CITY: _l("市"),
    UnitKind.COUNTY: _l("县（市、区）"),
    UnitKind.DEPARTMENT: _l("成员单位"),
    UnitKind.TOWNSHIP: _l("乡（镇、办）"),
    UnitKind.COMMUNITY: _l("社区（村）"),
}
CYCLE_STATE_LABELS = {
    CycleState.DRAFT: _l("草稿"),
    CycleState.OPEN: _l("自评填报中"),
    CycleState.REVIEW: _l("督查核查中"),
    CycleState.PUBLISHED: _l("结果已公布"),
    CycleState.ARCHIVED: _l("已归档"),
}
SUBMISSION_STATE_LABELS = {
    SubmissionState.DRAFT: _l("草稿"),
    SubmissionState.SUBMITTED: _l("已提交"),
    SubmissionState.RETURNED: _l("已退回"),
    SubmissionState.VERIFIED: _l("已核定"),
}
REPORT_PROGRESS_LABELS = {
    ReportProgress.NOT_STARTED: _l("未开始"),
    ReportProgress.FILLING: _l("填报中"),
    ReportProgress.SUBMITTED: _l("已提交"),
    ReportProgress.RETURNED: _l("已退回"),
    ReportProgress.VERIFIED: _l("已核定"),
    ReportProgress.PUBLISHED: _l("已公布"),
}
LIGHT_LABELS = {
    Light.GREEN: _l("无待办"),
    Light.YELLOW: _l("有待办"),
    Light.RED: _l("已逾期"),
}
RECTIFICATION_STATE_LABELS = {
    RectificationState.OPEN: _l("待整改"),
    RectificationState.RESPONDED: _l("已报送"),
    RectificationState.CLOSED: _l("已关闭"),
}
NOMINEE_KIND_LABELS = {
    NomineeKind.UNIT: _l("单位"),
    NomineeKind.PERSON: _l("个人"),
}
NOMINATION_STATE_LABELS = {
    NominationState.SUBMITTED: _l("已提交"),
    NominationState.WITHDRAWN: _l("已撤回"),
}
ROUND_PHASE_LABELS = {
    RoundPhase.PREPARING: _l("筹备中"),
    RoundPhase.NOMINATING: _l("提名中"),
    RoundPhase.CLOSED: _l("提名已截止，待分配评审"),
    RoundPhase.REVIEWING: _l("评审中"),
    RoundPhase.CONFIRMED: _l("表彰名单已确认"),
}
REVIEW_SHEET_STATE_LABELS = {
    ReviewSheetState.ASSIGNED: _l("未开始"),
    ReviewSheetState.DRAFT: _l("草稿"),
    ReviewSheetState.SUBMITTED: _l("已提交"),
}
JOB_STATE_LABELS = {
    JobState.QUEUED: _l("排队中"),
    JobState.RUNNING: _l("生成中"),
    JobState.DONE: _l("已生成"),
    JobState.FAILED: _l("生成失败"),
}
NOTIFICATION_KIND_LABELS = {
    NotificationKind.ITEM_RETURNED: _l("指标被退回"),
    NotificationKind.RECTIFICATION_DEMANDED: _l("整改要求"),
    NotificationKind.DEADLINE_NEAR: _l("截止提醒"),
    NotificationKind.DEADLINE_PASSED: _l("逾期提醒"),
    NotificationKind.CHASE: _l("催报"),
    NotificationKind.RECTIFICATION_CLOSED: _l("整改已关闭"),
    NotificationKind.RECTIFICATION_OVERDUE: _l("整改逾期"),
    NotificationKind.CYCLE_OPENED: _l("开始自评填报"),
    NotificationKind.CYCLE_PUBLISHED: _l("结果公布"),
    NotificationKind.CYCLE_REPUBLISHED: _l("结果重新公布"),
    NotificationKind.REVIEW_ASSIGNED: _l("评审分配"),
    NotificationKind.BATCH_DONE: _l("批量报告已生成"),
    NotificationKind.BATCH_FAILED: _l("批量报告生成失败"),
    NotificationKind.APPEAL_FILED: _l("收到复核申诉"),
    NotificationKind.APPEAL_ANSWERED: _l("复核申诉已答复"),
}
APPEAL_STATE_LABELS = {
    AppealState.OPEN: _l("待答复"),
    AppealState.UPHELD: _l("申诉成立"),
    AppealState.REJECTED: _l("申诉不成立"),
}
REMINDER_THRESHOLD_LABELS = {
    ReminderThreshold.DAYS_7: _l("截止前 7 天"),
    ReminderThreshold.DAYS_3: _l("截止前 3 天"),
    ReminderThreshold.DAYS_1: _l("截止前 1 天"),
    ReminderThreshold.PASSED: _l("已过截止日期"),
}
DELIVERY_CHANNEL_LABELS = {
    DeliveryChannel.EMAIL: _l("电子邮件"),
    DeliveryChannel.WECOM: _l("企业微信群机器人"),
    DeliveryChannel.DINGTALK: _l("钉钉群机器人"),
}
DELIVERY_STATE_LABELS = {
    DeliveryState.PENDING: _l("待发送"),
    DeliveryState.SENT: _l("已发送"),
    DeliveryState.FAILED: _l("发送失败"),
}
SMTP_SECURITY_LABELS = {
    SmtpSecurity.STARTTLS: _l("STARTTLS（通常为 587 端口）"),
    SmtpSecurity.SSL: _l("SSL/TLS（通常为 465 端口）"),
    SmtpSecurity.NONE: _l("不加密（仅限本机或内网中继）"),
}

# Scoring rules (评分规则) by the names SPEC §3 gives them; the codes are the YAML's ``rule:``.
RULE_LABELS = {
    "threshold": _l("达标制"),
    "linear": _l("比例折算"),
    "ratio": _l("完成率"),
    "tiered": _l("分档"),
    "deduct": _l("扣分制"),
    "grade": _l("定性评价"),
    "bonus": _l("加分项"),
    "veto": _l("一票否决"),
}
MEASURE_LABELS = {
    "rate": _l("比率"),
    "count": _l("数量"),
    "amount": _l("金额"),
    "boolean": _l("是否"),
    "grade": _l("等级"),
}
# What each audited write is called where a person reads the audit log (审计日志).
AUDIT_ACTION_LABELS = {
    "sample.requested": _l("双随机抽查：登记种子与候选项"),
    "sample.drawn": _l("双随机抽查：抽取结果"),
    "user.login": _l("登录"),
    "user.logout": _l("退出登录"),
    "user.create": _l("新建账号"),
    "user.update": _l("修改账号"),
    "user.password": _l("修改密码"),
    "unit.create": _l("新建单位"),
    "unit.update": _l("修改单位"),
    "cycle.create": _l("新建考核周期"),
    "cycle.indicators": _l("更换指标体系"),
    "cycle.indicator_edit": _l("修改指标权重和目标值"),
    "cycle.transition": _l("周期状态变更"),
    "cycle.publish": _l("发布结果"),
    "assignment.override": _l("修改目标责任书"),
    "submission.save": _l("保存自评"),
    "submission.submit": _l("提交"),
    "submission.return": _l("退回"),
    "submission.verify": _l("核定"),
    "evidence.upload": _l("上传佐证材料"),
    "evidence.delete": _l("删除佐证材料"),
    "rectification.create": _l("提出整改要求"),
    "rectification.respond": _l("报送整改情况"),
    "rectification.close": _l("关闭整改要求"),
    "appeal.file": _l("提出复核申诉"),
    "appeal.answer": _l("答复复核申诉"),
    "cycle.appeal_due": _l("修改申诉截止日期"),
    "nomination_round.create": _l("新建评选"),
    "nomination_round.update": _l("修改评选"),
    "nomination_round.categories": _l("修改评选类别"),
    "nomination_round.criteria": _l("修改评分细则"),
    "nomination_round.panel": _l("修改评审专家"),
    "nomination.create": _l("提名"),
    "nomination.update": _l("修改提名"),
    "nomination.withdraw": _l("撤回提名"),
    "nomination.conflict": _l("声明回避"),
    "nomination.assign": _l("分配评审"),
    "nomination.assign_fill": _l("补齐评审分配"),
    "nomination.reviewers": _l("调整评审人"),
    "nomination.rank": _l("排名"),
    "nomination.panel_decision": _l("评审组决定"),
    "nomination.confirm": _l("确认表彰名单"),
    "nomination.demo_load": _l("载入演示提名"),
    "review.save": _l("保存评分"),
    "review.submit": _l("提交评分"),
    "review_sheets.demo_load": _l("载入演示评分"),
    "notification.chase": _l("催报"),
    "reminder.send": _l("发送截止提醒"),
    "rectification.overdue_reminder": _l("发送整改逾期提醒"),
    "delivery.settings": _l("修改消息渠道设置"),
    "delivery.defaults": _l("修改默认接收方式"),
    "delivery.unit_contact": _l("修改单位联系方式"),
    "delivery.preferences": _l("修改个人接收方式"),
    "delivery.retry": _l("重新投递"),
    "backup.restore": _l("恢复备份"),
    "schema.downgrade": _l("数据库降级"),
}
# What the audited rows are, by the ``entity`` the audit layer stores.
AUDIT_ENTITY_LABELS = {
    "user": _l("账号"),
    "unit": _l("单位"),
    "cycle": _l("考核周期"),
    "assignment": _l("目标责任书"),
    "submission": _l("自评"),
    "evidence": _l("佐证材料"),
    "rectification": _l("整改要求"),
    "appeal": _l("复核申诉"),
    "nomination_round": _l("评选"),
    "nomination": _l("提名"),
    "review_sheet": _l("评分表"),
    "ranking_run": _l("排名"),
    "instance": _l("实例"),
    "schema": _l("数据库结构"),
    "delivery": _l("消息投递"),
}

# enum -> its table; tests check every member of every enum has a label.
LABELS: dict[type[StrEnum], Mapping[StrEnum, object]] = {
    Role: ROLE_LABELS,
    UnitKind: UNIT_KIND_LABELS,
    CycleState: CYCLE_STATE_LABELS,
    SubmissionState: SUBMISSION_STATE_LABELS,
    ReportProgress: REPORT_PROGRESS_LABELS,
    Light: LIGHT_LABELS,
    RectificationState: RECTIFICATION_STATE_LABELS,
    AppealState: APPEAL_STATE_LABELS,
    NomineeKind: NOMINEE_KIND_LABELS,
    NominationState: NOMINATION_STATE_LABELS,
    RoundPhase: ROUND_PHASE_LABELS,
    ReviewSheetState: REVIEW_SHEET_STATE_LABELS,
    JobState: JOB_STATE_LABELS,
    NotificationKind: NOTIFICATION_KIND_LABELS,
    ReminderThreshold: REMINDER_THRESHOLD_LABELS,
    DeliveryChannel: DELIVERY_CHANNEL_LABELS,
    DeliveryState: DELIVERY_STATE_LABELS,
    SmtpSecurity: SMTP_SECURITY_LABELS,
}


def _label_of(table: Mapping[StrEnum, object]) -> Callable[[str], str]:
    def label(value: str) -> str:
        # A plain str from the database hashes like its member, so it finds its label.
        return str(table.get(value, value))

    return label


# Why an item was drawn for the spot check (双随机抽查): scoring.sampling's reason codes.
SAMPLE_REASON_LABELS = {"random": _l("随机"), "risk": _l("风险")}

role_label = _label_of(ROLE_LABELS)
sample_reason_label = _label_of(SAMPLE_REASON_LABELS)
unit_kind_label = _label_of(UNIT_KIND_LABELS)
cycle_state_label = _label_of(CYCLE_STATE_LABELS)
rectification_state_label = _label_of(RECTIFICATION_STATE_LABELS)
appeal_state_label = _label_of(APPEAL_STATE_LABELS)
report_progress_label = _label_of(REPORT_PROGRESS_LABELS)
light_label = _label_of(LIGHT_LABELS)
nominee_kind_label = _label_of(NOMINEE_KIND_LABELS)
nomination_state_label = _label_of(NOMINATION_STATE_LABELS)
round_phase_label = _label_of(ROUND_PHASE_LABELS)
review_sheet_state_label = _label_of(REVIEW_SHEET_STATE_LABELS)
job_state_label = _label_of(JOB_STATE_LABELS)
notification_kind_label = _label_of(NOTIFICATION_KIND_LABELS)
reminder_threshold_label = _label_of(REMINDER_THRESHOLD_LABELS)
delivery_channel_label = _label_of(DELIVERY_CHANNEL_LABELS)
delivery_state_label = _label_of(DELIVERY_STATE_LABELS)
rule_label = _label_of(RULE_LABELS)
measure_label = _label_of(MEASURE_LABELS)
audit_entity_label = _label_of(AUDIT_ENTITY_LABELS)


def audit_action_label(action: str) -> str:
    """The label of an audited action; one without its own label (a write added later) reads
    as the label of what it acts on, so no code shows where a person reads."""
    label = AUDIT_ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    entity = action.split(".", 1)[0]
    return str(AUDIT_ENTITY_LABELS.get(entity, action))


def audit_actor_label(actor_name: str) -> str:
    """Who did it, as the audit log shows it: the account's name, or 系统 for the system."""
    return str(_l("系统")) if actor_name == SYSTEM_ACTOR else actor_name


def audit_actions_matching(words: str) -> list[str]:
    """The audited actions whose label contains ``words`` (a person filters the audit log by
    what it reads, 提交 or 核定), or whose code starts with them; empty when none does."""
    words = words.strip()
    return [
        action
        for action, label in AUDIT_ACTION_LABELS.items()
        if words in str(label) or action.startswith(words)
    ]


def audit_action_choices() -> list[tuple[str, str]]:
    """(code, label) of every audited action, ordered by label, for the filter's list."""
    return sorted(((a, str(label)) for a, label in AUDIT_ACTION_LABELS.items()), key=lambda c: c[1])


def submission_state_label(value: str | None) -> str:
    """The label of a submission's state; ``None`` (nothing saved yet) is 未填报."""
    if value is None:
        return str(_l("未填报"))
    return str(SUBMISSION_STATE_LABELS.get(value, value))


def role_choices() -> list[tuple[str, object]]:
    """(value, lazy label) of every role, for a select field."""
    return [(role.value, ROLE_LABELS[role]) for role in Role]


def unit_kind_choices() -> list[tuple[str, object]]:
    """(value, lazy label) of every unit kind, root first, for a select field."""
    return [(kind.value, UNIT_KIND_LABELS[kind]) for kind in UnitKind]


# What templates call, by the names they call them.
TEMPLATE_GLOBALS: dict[str, Callable] = {
    "role_label": role_label,
    "unit_kind_label": unit_kind_label,
    "cycle_state_label": cycle_state_label,
    "submission_state_label": submission_state_label,
    "sample_reason_label": sample_reason_label,
    "rectification_state_label": rectification_state_label,
    "appeal_state_label": appeal_state_label,
    "report_progress_label": report_progress_label,
    "light_label": light_label,
    "nominee_kind_label": nominee_kind_label,
    "nomination_state_label": nomination_state_label,
    "round_phase_label": round_phase_label,
    "review_sheet_state_label": review_sheet_state_label,
    "job_state_label": job_state_label,
    "notification_kind_label": notification_kind_label,
    "reminder_threshold_label": reminder_threshold_label,
    "delivery_channel_label": delivery_channel_label,
    "delivery_state_label": delivery_state_label,
    "rule_label": rule_label,
    "measure_label": measure_label,
    "audit_action_label": audit_action_label,
    "audit_entity_label": audit_entity_label,
    "audit_actor_label": audit_actor_label,
}
