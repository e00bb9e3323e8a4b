"""Evidence (佐证材料) records: files from the store attached to submissions and nominations.

The bytes live in ``assess.evidence.storage.EvidenceStore`` (content-addressed, outside the
web root); this module keeps the database rows and the audit trail (who may read them is
``can(user, "evidence.read", row)``). The store is an argument: the view or command builds
it with ``EvidenceStore.from_config``.
"""

from __future__ import annotations

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import EDITABLE_SUBMISSION_STATES
from assess.cycles.lifecycle import locked_cycle
from assess.cycles.models import Submission
from assess.evidence.models import Evidence
from assess.evidence.storage import (
    EvidenceRejected,
    EvidenceStore,
    StoredFile,
)

MAX_FILES_PER_UPLOAD = 20
EVIDENCE_AUDIT_FIELDS = (
    "sha256",
    "original_name",
    "size",
    "kind",
    "unit",
    "submission",
    "nomination_id",
)


class EvidenceError(ValueError):
    """An upload or removal refused; the message names the file and the reason."""


def store_uploads(files, store: EvidenceStore) -> list[StoredFile]:
    """Store every non-empty upload in ``store``; refuse the lot on the first bad file (nothing
    recorded)."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise EvidenceError(_("一次最多上传 %(n)s 个文件", n=MAX_FILES_PER_UPLOAD))
    stored = []
    for upload in files:
        try:
            stored.append(store.save(upload.stream, upload.filename))
        except EvidenceRejected as exc:
            discard(stored, store)  # the lot is refused: files stored before this one go too
            raise EvidenceError(
                _("文件“%(f)s”未上传：%(e)s", f=upload.filename, e=str(exc))
            ) from exc
    return stored


def discard(stored: list[StoredFile], store: EvidenceStore) -> None:
    """Remove stored files no Evidence row refers to: those of a refused request (bytes are
    shared by content, so a file also attached elsewhere stays)."""
    for f in stored:
        if not Evidence.select().where(Evidence.sha256 == f.sha256).exists():
            store.remove(f.sha256)


def attach(
    stored: list[StoredFile],
    actor: User,
    unit_id: int,
    submission: Submission | None = None,
    nomination_id: int | None = None,
) -> list[Evidence]:
    """Record stored files as evidence of a submission or a nomination; audited. A
    submission's evidence only while it is editable in an open cycle (EvidenceError)."""
    rows = []
    with database.atomic():
        if submission is not None:
            _require_editable(submission.id)
        for f in stored:
            row = Evidence.create(
                sha256=f.sha256,
                original_name=f.original_name,
                size=f.size,
                mime=f.mime,
                kind=f.kind,
                pages=f.pages,
                has_thumbnail=f.has_thumbnail,
                unit=unit_id,
                submission=submission,
                nomination_id=nomination_id,
                uploaded_by=actor,
            )
            audit.record(
                "evidence.upload",
                "evidence",
                row.id,
                after=audit.model_snapshot(row, EVIDENCE_AUDIT_FIELDS),
                actor=actor,
            )
            rows.append(row)
    return rows


def remove(evidence: Evidence, actor: User) -> None:
    """Detach a file from an editable submission (the stored bytes may be shared, so stay)."""
    with database.atomic():
        if evidence.submission_id is not None:
            _require_editable(evidence.submission_id)
        before = audit.model_snapshot(evidence, EVIDENCE_AUDIT_FIELDS)
        evidence.delete_instance()
        audit.record("evidence.delete", "evidence", evidence.id, before=before, actor=actor)


def _require_editable(submission_id: int) -> None:
    """Refuse (EvidenceError) unless the submission's cycle takes self-report writes and the
    submission is a draft or returned, read from rows locked in the caller's transaction."""
    sub = locked(Submission, submission_id)
    locked_cycle(sub.cycle_id, "self_report", EvidenceError, sub.unit_id)
    if sub.status not in EDITABLE_SUBMISSION_STATES:
        raise EvidenceError(_("指标已提交，不能修改佐证材料"))
