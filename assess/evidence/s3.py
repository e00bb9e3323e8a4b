"""S3-compatible object storage (对象存储) for evidence and named objects, through boto3.

Chosen by ``STORAGE_URL=s3://bucket/prefix`` with ``S3_ENDPOINT_URL`` (MinIO, Ceph RGW, the
S3 mode of a cloud object store; empty for AWS itself), ``S3_ACCESS_KEY_ID``,
``S3_SECRET_ACCESS_KEY`` and ``S3_REGION`` (empty keys: boto3's own credential chain).
Evidence is laid out as in the local store, ``<prefix>/evidence/ab/cd/<sha256>`` and
``<sha256>.thumb.png`` beside it; named objects under ``<prefix>/objects/<key>``.

An S3 PUT is atomic (an object is either absent or complete) and acknowledged only once
stored, so nothing half-written is ever read and nothing is acknowledged that is not
durable. Evidence is put only if absent (``If-None-Match: *``): content-addressed bytes
never change, and a concurrent put of the same bytes fails harmlessly.

There is no lock shared by several servers and a bucket, so the sweep's protection of an
upload in flight is its grace period and the object's ``LastModified``: storing bytes that
are already there copies the object onto itself, which restarts its age, and the sweep
reads the age and the references again just before it deletes. What remains is an upload
of the very bytes of an orphan older than the grace landing in the milliseconds between
that last look and the delete; the store's local lock still closes it for the servers of
one host.
Ages compare the app server's clock with the store's: with a grace of hours, minutes of
skew do not matter.

A store that is down, refuses the keys or does not answer raises
:class:`~assess.evidence.storage.StoreUnavailable` from every call (never botocore's own
errors), after ``S3_MAX_ATTEMPTS`` tries bounded by ``S3_CONNECT_TIMEOUT`` and
``S3_READ_TIMEOUT``: botocore's defaults (60 s each, and retries) would hold a request, or a
worker, for minutes on an endpoint that drops packets. Only "no such key" is an answer.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from assess.core.settings import SETTINGS
from assess.evidence.storage import StoreUnavailable

EVIDENCE_PREFIX = "evidence/"
OBJECTS_PREFIX = "objects/"
THUMBNAIL_SUFFIX = ".thumb.png"
_MISSING = {"404", "NoSuchKey", "NotFound"}
_ALREADY_THERE = {"412", "PreconditionFailed"}
_CONFLICT = {"409", "ConditionalRequestConflict"}
# A store may be built from a partial config (backup and restore, tests): the settings'
# defaults fill what it lacks.
_DEFAULTS = {s.name: s.default for s in SETTINGS}


def _limits(config: Mapping[str, object]) -> tuple[float, float, int]:
    """(connect timeout, read timeout, tries) from ``S3_CONNECT_TIMEOUT``,
    ``S3_READ_TIMEOUT`` and ``S3_MAX_ATTEMPTS``."""

    def get(name: str) -> object:
        return config.get(name) or _DEFAULTS[name]

    return (
        float(get("S3_CONNECT_TIMEOUT")),
        float(get("S3_READ_TIMEOUT")),
        max(1, int(get("S3_MAX_ATTEMPTS"))),
    )


def is_s3(config: Mapping[str, object]) -> bool:
    """Whether ``STORAGE_URL`` names an S3 bucket (else the local store is used)."""
    return str(config.get("STORAGE_URL") or "").startswith("s3://")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _reaching(call: Callable) -> Callable:
    """Run a bucket call, turning what botocore raises (endpoint down, timeouts, a refused
    key or bucket) into StoreUnavailable; "no such key" is handled inside the call."""

    @functools.wraps(call)
    def wrapper(*args, **kwargs):
        try:
            return call(*args, **kwargs)
        except (BotoCoreError, ClientError, Boto3Error) as exc:
            # Boto3Error: the transfer manager's own (S3UploadFailedError wraps the cause)
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc

    return wrapper


_CLIENT_LOCK = threading.Lock()


def _client(endpoint: str, key_id: str, secret: str, region: str, limits: tuple):
    # A client is thread-safe and costs tens of milliseconds to make; making one is not
    # thread-safe on boto3's shared default session, hence a session of its own, made once.
    with _CLIENT_LOCK:
        return _make_client(endpoint, key_id, secret, region, limits)


@functools.lru_cache(maxsize=8)
def _make_client(endpoint: str, key_id: str, secret: str, region: str, limits: tuple):
    connect_timeout, read_timeout, attempts = limits
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint or None,
        aws_access_key_id=key_id or None,
        aws_secret_access_key=secret or None,
        region_name=region or None,
        config=Config(
            # Path-style addressing and checksums only where required: what MinIO, Ceph RGW
            # and the S3 modes of other stores accept (newer botocore defaults are AWS-only).
            s3={"addressing_style": "path"} if endpoint else {},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # A dead endpoint fails in seconds: each try waits at most connect_timeout for
            # the connection and read_timeout for each answer, with "standard" backoff (a
            # few seconds) between tries. total_max_attempts counts the first try;
            # botocore's max_attempts counts only the retries after it.
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"total_max_attempts": attempts, "mode": "standard"},
        ),
    )


class _Body(io.RawIOBase):
    """An object's body whose reads raise StoreUnavailable when the store fails mid-way
    (a read timeout, a connection cut), as the calls that opened it do."""

    def __init__(self, stream) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    @_reaching
    def read(self, size: int = -1) -> bytes:
        return self._stream.read(None if size is None or size < 0 else size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()


class Bucket:
    """One bucket and key prefix, with the few calls the store makes."""

    def __init__(self, config: Mapping[str, object]) -> None:
        url = urlsplit(str(config["STORAGE_URL"]))
        if url.scheme != "s3" or not url.netloc:
            raise ValueError(f"STORAGE_URL is not s3://bucket/prefix: {config['STORAGE_URL']!r}")
        self.name = url.netloc
        prefix = url.path.strip("/")
        self.prefix = prefix + "/" if prefix else ""
        self.client = _client(
            str(config.get("S3_ENDPOINT_URL") or ""),
            str(config.get("S3_ACCESS_KEY_ID") or ""),
            str(config.get("S3_SECRET_ACCESS_KEY") or ""),
            str(config.get("S3_REGION") or ""),
            _limits(config),
        )

    @_reaching
    def head(self, key: str) -> dict | None:
        """The object's metadata (``LastModified``, ``ContentLength``), or None if absent."""
        try:
            return self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise

    @_reaching
    def get(self, key: str) -> BinaryIO:
        """The object's body, to read and close; FileNotFoundError if absent."""
        try:
            return _Body(self.client.get_object(Bucket=self.name, Key=key)["Body"])
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise FileNotFoundError(key) from exc
            raise

    @_reaching
    def put_if_absent(self, key: str, fh: BinaryIO) -> bool:
        """Store ``fh``'s bytes under ``key`` unless an object is there; whether it was put.
        The body is sent with its MD5, so the store refuses bytes damaged on the way."""
        fh.seek(0)
        digest = hashlib.md5(usedforsecurity=False)
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
        fh.seek(0)
        try:
            self.client.put_object(
                Bucket=self.name,
                Key=key,
                Body=fh,
                ContentMD5=base64.b64encode(digest.digest()).decode("ascii"),
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if _code(exc) in _ALREADY_THERE | _CONFLICT:
                return False  # another put of the same content-addressed key won
            raise
        return True

    @_reaching
    def put(self, key: str, fh: BinaryIO) -> None:
        """Store ``fh`` under ``key``, replacing what is there; multipart for large bodies,
        visible only once complete."""
        self.client.upload_fileobj(fh, self.name, key)

    @_reaching
    def touch(self, key: str) -> None:
        """Restart the object's age: copy it onto itself (S3 refuses a copy onto itself that
        changes nothing, hence REPLACE with the same content type)."""
        head = self.head(key)
        if head is None:
            return
        self.client.copy_object(
            Bucket=self.name,
            Key=key,
            CopySource={"Bucket": self.name, "Key": key},
            MetadataDirective="REPLACE",
            ContentType=head.get("ContentType") or "binary/octet-stream",
            Metadata=head.get("Metadata") or {},
        )

    @_reaching
    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=key)

    @_reaching
    def listing(self, prefix: str) -> list[dict]:
        """Every object under ``prefix``: dicts with ``Key``, ``LastModified``, ``Size``
        (read whole, so that a store failing halfway raises here, not in the caller's loop)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        return [obj for page in pages for obj in page.get("Contents", [])]

    def reachable(self) -> bool:
        """Whether the bucket answers (for readiness checks)."""
        try:
            self.client.head_bucket(Bucket=self.name)
        except (BotoCoreError, ClientError, OSError):
            return False
        return True


class S3Backend:
    """Evidence bytes in a bucket: the same layout and rules as the local store's folder."""

    local = False

    def __init__(self, config: Mapping[str, object]) -> None:
        self.bucket = Bucket(config)
        self.base = self.bucket.prefix + EVIDENCE_PREFIX

    def key_for(self, member: str) -> str:
        """The key of a store member named ``ab/cd/<sha256>[.thumb.png]``."""
        return self.base + member

    def exists(self, member: str) -> bool:
        return self.bucket.head(self.key_for(member)) is not None

    def open(self, member: str) -> BinaryIO:
        return self.bucket.get(self.key_for(member))

    def place(self, tmp_path: Path, member: str, thumbnail: bytes | None, thumb: str) -> bool:
        """Put an accepted upload (and its thumbnail) if absent, or restart the age of the
        bytes already there; whether a thumbnail is stored. What this puts stays. Raises
        StoreUnavailable when the bucket cannot be reached or refuses the write."""
        if thumbnail is not None and not self.exists(thumb):
            self.bucket.put_if_absent(self.key_for(thumb), io.BytesIO(thumbnail))
        with tmp_path.open("rb") as fh:
            if self.exists(member) or not self.bucket.put_if_absent(self.key_for(member), fh):
                self.bucket.touch(self.key_for(member))
        tmp_path.unlink()
        return self.exists(thumb)

    def add(self, member: str, source: Path) -> None:
        """Put a restored file unless the member is there (content-addressed: same bytes)."""
        with source.open("rb") as fh:
            self.bucket.put_if_absent(self.key_for(member), fh)

    def members(self) -> list[tuple[str, float, int]]:
        """Every member as (name, last modified as a timestamp, size), sorted by name."""
        found = []
        for obj in self.bucket.listing(self.base):
            name = obj["Key"].removeprefix(self.base)
            found.append((name, obj["LastModified"].timestamp(), int(obj["Size"])))
        return sorted(found)

    def age(self, member: str) -> tuple[float, int] | None:
        """(last modified, size) of one member, or None if absent."""
        head = self.bucket.head(self.key_for(member))
        if head is None:
            return None
        return head["LastModified"].timestamp(), int(head["ContentLength"])

    def remove(self, member: str) -> None:
        self.bucket.delete(self.key_for(member))

    def reachable(self) -> bool:
        return self.bucket.reachable()
