"""A background job on the task queue (后台任务): its state, progress and result, in the
database so that every server shows the same and a dead worker's job can be seen as such."""

from __future__ import annotations

import json

import peewee as pw

from assess.accounts.models import User
from assess.core.db import BaseModel
from assess.core.enums import JobState
from assess.core.models import utcnow
from assess.cycles.models import Cycle


class Job(BaseModel):
    """One job (批量生成 and the like): queued → running (``done`` of ``total``) → done or
    failed with the reason. ``heartbeat_at`` is the last sign of life from a worker;
    ``result_key`` names the result in the object store (``assess.evidence.objects``)."""

    id = pw.CharField(max_length=32, primary_key=True)
    kind = pw.CharField(max_length=32)
    cycle = pw.ForeignKeyField(Cycle, null=True, on_delete="CASCADE")
    state = pw.CharField(max_length=16, default=JobState.QUEUED, index=True)
    done = pw.IntegerField(default=0)
    total = pw.IntegerField(default=0)
    error = pw.TextField(default="")
    written = pw.TextField(default="[]")  # JSON: file names of the parts delivered
    failures = pw.TextField(default="[]")  # JSON: [file name, reason] of the parts that failed
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    started_at = pw.DateTimeField(null=True)
    finished_at = pw.DateTimeField(null=True)
    heartbeat_at = pw.DateTimeField(null=True)
    result_key = pw.CharField(max_length=255, default="")

    def written_names(self) -> list[str]:
        return json.loads(self.written)

    def failure_list(self) -> list[tuple[str, str]]:
        return [tuple(pair) for pair in json.loads(self.failures)]
