"""Every model, in the order the tables are created (backups and schema checks walk it)."""

from __future__ import annotations

from assess.accounts.models import ApiToken, LoginThrottle, User
from assess.core.models import AuditEntry, AuditHead
from assess.cycles.models import (
    Appeal,
    Assignment,
    Cycle,
    DeadlineExtension,
    Rectification,
    ResultSnapshot,
    Submission,
    UnitResultRecord,
)
from assess.delivery.models import (
    ChannelDefault,
    ChannelPreference,
    ChannelSettings,
    Delivery,
    UnitContact,
    UserContact,
)
from assess.evidence.models import Evidence
from assess.notifications.models import Notification
from assess.notifications.sent import RectificationOverdueSent, ReminderSent
from assess.reports.models import Job
from assess.units.models import Unit

FOUNDATION_MODELS = (Unit, User, LoginThrottle, ApiToken, Cycle, AuditEntry, AuditHead)


CYCLE_MODELS = (
    Assignment,
    Submission,
    Evidence,
    Rectification,
    Appeal,
    ResultSnapshot,
    UnitResultRecord,
    DeadlineExtension,
    Job,
    Notification,
    ReminderSent,
    RectificationOverdueSent,
    ChannelSettings,
    UnitContact,
    UserContact,
    ChannelDefault,
    ChannelPreference,
    Delivery,
)


ALL_MODELS = FOUNDATION_MODELS + CYCLE_MODELS
