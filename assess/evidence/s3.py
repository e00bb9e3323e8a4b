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
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from assess.evidence.storage import StoreUnavailable

EVIDENCE_PREFIX = "evidence/"
OBJECTS_PREFIX = "objects/"
THUMBNAIL_SUFFIX = ".thumb.png"
_MISSING = {"404", "NoSuchKey", "NotFound"}
_ALREADY_THERE = {"412", "PreconditionFailed"}
_CONFLICT = {"409", "ConditionalRequestConflict"}


def is_s3(config: Mapping[str, object]) -> bool:
    """Whether ``STORAGE_URL`` names an S3 bucket (else the local store is used)."""
    return str(config.get("STORAGE_URL") or "").startswith("s3://")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


_CLIENT_LOCK = threading.Lock()


def _client(endpoint: str, key_id: str, secret: str, region: str):
    # A client is thread-safe and costs tens of milliseconds to make; making one is not
    # thread-safe on boto3's shared default session, hence a session of its own, made once.
    with _CLIENT_LOCK:
        return _make_client(endpoint, key_id, secret, region)


@functools.lru_cache(maxsize=8)
def _make_client(endpoint: str, key_id: str, secret: str, region: str):
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
            retries={"max_attempts": 5, "mode": "standard"},
        ),
    )


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
        )

    def head(self, key: str) -> dict | None:
        """The object's metadata (``LastModified``, ``ContentLength``), or None if absent."""
        try:
            return self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise

    def get(self, key: str) -> BinaryIO:
        """The object's body, to read and close; FileNotFoundError if absent."""
        try:
            return self.client.get_object(Bucket=self.name, Key=key)["Body"]
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise FileNotFoundError(key) from exc
            raise

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

    def put(self, key: str, fh: BinaryIO) -> None:
        """Store ``fh`` under ``key``, replacing what is there; multipart for large bodies,
        visible only once complete."""
        self.client.upload_fileobj(fh, self.name, key)

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

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=key)

    def listing(self, prefix: str) -> Iterator[dict]:
        """Every object under ``prefix``: dicts with ``Key``, ``LastModified``, ``Size``."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents", [])

    def reachable(self) -> bool:
        """Whether the bucket answers (for readiness checks)."""
        try:
            self.client.head_bucket(Bucket=self.name)
        except (ClientError, OSError):
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
        try:
            return self._place(tmp_path, member, thumbnail, thumb)
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnavailable(str(exc)) from exc

    def _place(self, tmp_path: Path, member: str, thumbnail: bytes | None, thumb: str) -> bool:
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
