"""Sending an evidence file (佐证材料) to a browser: the one download path for self-report
and nomination evidence alike."""

from __future__ import annotations

from flask import Response, abort, send_file

from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore, download_headers


def evidence_download(row: Evidence, store: EvidenceStore) -> Response:
    """The row's file streamed as an attachment: its type, a safe name, ``nosniff``, and the
    hash as ETag for conditional requests. The caller has checked ``can(user,
    "evidence.read", row)``; 404 when the store has lost the bytes."""
    path = store.path_for(row.sha256)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=row.mime, conditional=True, etag=row.sha256)
    response.headers.update(download_headers(row.original_name, row.mime))
    return response
