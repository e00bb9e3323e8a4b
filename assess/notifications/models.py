"""The notification store (消息通知): one row per recipient.

It depends on no area that feeds it (a contract in ``pyproject.toml``), so cycles and
the other areas write notifications inside their own transactions without an import cycle.
"""

from __future__ import annotations

import json

import peewee as pw

from assess.accounts.models import User
from assess.core.db import BaseModel
from assess.core.models import utcnow


class Notification(BaseModel):
    """One message to one person (消息通知). The text is not stored: ``kind`` and the
    event's ``params`` (JSON) are, and the reader's language renders them
    (``assess.core.notification_texts``). ``target`` is the page to act on, as an endpoint and
    its arguments (JSON), so a link follows the routes as they are when it is read."""

    user = pw.ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    kind = pw.CharField(max_length=32)
    params = pw.TextField(default="{}")
    target = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    read_at = pw.DateTimeField(null=True)

    class Meta:
        # The bell counts a user's unread ones; the list pages through them newest first.
        indexes = ((("user", "read_at"), False), (("user", "created_at"), False))

    @property
    def parameters(self) -> dict:
        return json.loads(self.params or "{}")

    @property
    def target_parts(self) -> tuple[str, dict] | None:
        """(endpoint, arguments) of the linked page, None without one."""
        if not self.target:
            return None
        data = json.loads(self.target)
        return data["endpoint"], data.get("args", {})
