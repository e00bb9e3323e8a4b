"""Evidence (佐证材料) records: files from the store attached to submissions, to a unit's
answers to rectification demands (整改), to appeals (复核申诉), and to nominations.

The bytes live in ``assess.evidence.storage.EvidenceStore`` (content-addressed, outside the
web root); this module keeps the database rows and the audit trail (who may read them is
``can(user, "evidence.read", row)``). The store is an argument: the view or command builds
it with ``EvidenceStore.from_config``.
"""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import EDITABLE_SUBMISSION_STATES, AppealState, RectificationState
from assess.cycles.lifecycle import locked_cycle
from assess.cycles.models import Appeal, Rectification, Submission
from assess.evidence.models import Evidence
from assess.evidence.storage import (
    EvidenceRejected,
    EvidenceStore,
    StoredFile,
    SweepResult,
)

MAX_FILES_PER_UPLOAD = 20
# A file kept for a page that was refused (待保存) is attached when the page is next saved,
# if it is saved within this time; the token then no longer opens.
PENDING_MAX_AGE_SECONDS = 24 * 3600
EVIDENCE_AUDIT_FIELDS = (
    "sha256",
    "original_name",
    "size",
    "kind",
    "unit",
    "submission",
    "rectification",
    "appeal",
    "nomination_id",
)


class EvidenceError(ValueError):
    """An upload or removal refused; the message names the file and the reason."""


def store_uploads(files, store: EvidenceStore) -> list[StoredFile]:
    """Store every non-empty upload in ``store``; refuse the lot on the first bad file.

    Nothing is recorded for a refused lot, and the files stored before the bad one stay in
    the store: identical bytes may be in flight for another upload (the sweep removes what no
    row comes to name).
    """
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise EvidenceError(_("一次最多上传 %(n)s 个文件", n=MAX_FILES_PER_UPLOAD))
    stored = []
    for upload in files:
        try:
            stored.append(store.save(upload.stream, upload.filename))
        except EvidenceRejected as exc:
            raise EvidenceError(
                _("文件“%(f)s”未上传：%(e)s", f=upload.filename, e=str(exc))
            ) from exc
    return stored


def stash_upload(upload, store: EvidenceStore) -> StoredFile:
    """Store one upload that passes the content checks, to be attached later (待保存);
    EvidenceError naming the file otherwise (nothing stored)."""
    try:
        return store.save(upload.stream, upload.filename)
    except EvidenceRejected as exc:
        raise EvidenceError(_("文件“%(f)s”未上传：%(e)s", f=upload.filename, e=str(exc))) from exc


def _pending_serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="assess.pending-evidence")


def pending_token(stored: StoredFile, scope: str, secret: str) -> str:
    """A signed, timed token naming a stored file kept for ``scope`` (e.g. one cycle, unit
    and indicator), so a re-sent page can attach the file without uploading it again."""
    return _pending_serializer(secret).dumps([scope, asdict(stored)])


def pending_file(token: str, scope: str, secret: str, store: EvidenceStore) -> StoredFile | None:
    """The file a pending token names, or None when the token is forged, expired, made for
    another scope, or its bytes are gone from the store."""
    try:
        made_for, fields = _pending_serializer(secret).loads(token, max_age=PENDING_MAX_AGE_SECONDS)
        stored = StoredFile(**fields)
    except (BadSignature, TypeError, ValueError):
        return None
    if made_for != scope or not store.exists(stored.sha256):
        return None
    return stored


def sweep(store: EvidenceStore, grace_hours: float) -> SweepResult:
    """Remove from ``store`` the content no Evidence row names and no upload has stored for
    ``grace_hours``, and upload temp files as old; return what went.

    References are read by plain queries, each seeing every committed row: the rows not yet
    committed belong to uploads that stored their bytes within the grace, which keeps them.
    No write transaction: the store's lock is held while the last query runs, and an upload
    holding that lock may itself be inside a write transaction (the demo), which a sweep
    waiting for SQLite's write lock would then block.
    """

    def referenced(hashes) -> set[str]:
        query = Evidence.select(Evidence.sha256).where(Evidence.sha256.in_(list(hashes)))
        return {sha for (sha,) in query.distinct().tuples()}

    return store.sweep(referenced, older_than_seconds=float(grace_hours) * 3600)


def attach(
    stored: list[StoredFile],
    actor: User,
    unit_id: int,
    submission: Submission | None = None,
    nomination_id: int | None = None,
    rectification: Rectification | None = None,
    appeal: Appeal | None = None,
) -> list[Evidence]:
    """Record stored files as evidence of a submission, a rectification answer, an appeal
    or a nomination; audited. A submission's evidence only while it is editable in an open
    cycle, an answer's while its demand is not closed and the cycle takes rectification
    writes, an appeal's while it waits for its answer in a published cycle (EvidenceError)."""
    rows = []
    with database.atomic():
        if submission is not None:
            _require_editable(submission.id)
        if rectification is not None:
            _require_answerable(rectification.id)
        if appeal is not None:
            _require_open_appeal(appeal.id)
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
                rectification=rectification,
                appeal=appeal,
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
    """Detach a file from an editable submission or an answer still open. Only the row
    goes: the bytes may be named by other rows, and the sweep removes them once none does."""
    with database.atomic():
        if evidence.submission_id is not None:
            _require_editable(evidence.submission_id)
        if evidence.rectification_id is not None:
            _require_answerable(evidence.rectification_id)
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


def _require_answerable(rectification_id: int) -> None:
    """Refuse (EvidenceError) unless the demand's cycle takes rectification writes and the
    demand is not closed, read from rows locked in the caller's transaction."""
    row = locked(Rectification, rectification_id)
    locked_cycle(row.cycle_id, "rectification", EvidenceError)
    if row.status == RectificationState.CLOSED:
        raise EvidenceError(_("该整改要求已关闭，不能修改佐证材料"))


def _require_open_appeal(appeal_id: int) -> None:
    """Refuse (EvidenceError) unless the appeal waits for its answer in a cycle that takes
    appeals, read from rows locked in the caller's transaction."""
    row = locked(Appeal, appeal_id)
    locked_cycle(row.cycle_id, "appeal", EvidenceError)
    if row.state != AppealState.OPEN:
        raise EvidenceError(_("该复核申诉已答复，不能修改佐证材料"))
