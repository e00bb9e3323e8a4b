"""Sending an evidence file (佐证材料) to a browser: the one download path for self-report
and nomination evidence alike.

From a remote backend (S3) the bytes are streamed through the app, not handed out as a
presigned URL: the policy check then decides every request (a presigned URL is a bearer
ticket that works for minutes for whoever it is forwarded to, and lands in proxy logs and
browser history), the bucket need not be reachable from users' browsers (an office's
object store usually sits in the internal network), and the name, type and ``nosniff``
headers are the app's on every backend. Evidence files are at most ``MAX_UPLOAD_MB``.
"""

from __future__ import annotations

from flask import Response, abort, request, send_file

from assess.evidence.models import Evidence
from assess.evidence.storage import CHUNK_BYTES, EvidenceStore, download_headers


def evidence_download(row: Evidence, store: EvidenceStore) -> Response:
    """The row's file streamed as an attachment: its type, a safe name, ``nosniff``, and the
    hash as ETag for conditional requests. The caller has checked ``can(user,
    "evidence.read", row)``; 404 when the store has lost the bytes."""
    response = stored_file(store, row.sha256, row.mime, etag=row.sha256)
    response.headers.update(download_headers(row.original_name, row.mime))
    return response


def stored_file(store: EvidenceStore, sha256: str, mime: str, etag: str, thumbnail=False):
    """A stored file (or its thumbnail) as a response with ``etag``, from the local disk or
    streamed from the backend; 404 when it is not stored."""
    path = store.local_path(sha256, thumbnail)
    if path is not None:
        if not path.is_file():
            abort(404)
        return send_file(path, mimetype=mime, conditional=True, etag=etag)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    try:
        body = store.open_thumbnail(sha256) if thumbnail else store.open(sha256)
    except FileNotFoundError:
        abort(404)

    def chunks():
        try:
            yield from iter(lambda: body.read(CHUNK_BYTES), b"")
        finally:
            body.close()

    response = Response(chunks(), mimetype=mime, direct_passthrough=True)
    response.set_etag(etag)
    return response
