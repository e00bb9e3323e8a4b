"""Named objects (命名对象) in the file store: results that are not evidence, such as the zip
of a report batch, kept under a key the caller chooses.

Local (``STORAGE_URL`` unset or ``file://``): ``<instance>/objects/<key>``, written to a
temp file beside it, synced and renamed, so a reader sees the old object or the whole new
one. S3 (``STORAGE_URL=s3://bucket/prefix``): ``<prefix>/objects/<key>`` in the bucket, where
a put is visible only once complete. A key is a relative path of letters, digits and
``._-`` segments separated by ``/``; anything else is refused with ValueError.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from assess.evidence import s3
from assess.evidence.storage import TEMP_PREFIX, fsync_directory, write_atomically

OBJECTS_FOLDER = "objects"
CHUNK = 1 << 20
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def _checked(key: str) -> str:
    # A plain relative path; no ".tmp" segment, the names temporary files are written under.
    if not isinstance(key, str) or not all(
        _SEGMENT.fullmatch(seg) and seg not in {".", ".."} and not seg.endswith(".tmp")
        for seg in key.split("/")
    ):
        raise ValueError(f"not an object key: {key!r}")
    return key


def _path(config: Mapping[str, object], key: str) -> Path:
    return Path(str(config["ASSESS_INSTANCE"])) / OBJECTS_FOLDER / _checked(key)


def _s3_key(bucket: s3.Bucket, key: str) -> str:
    return bucket.prefix + s3.OBJECTS_PREFIX + _checked(key)


def put(config: Mapping[str, object], key: str, fileobj: BinaryIO) -> None:
    """Store ``fileobj``'s bytes (read from where it stands) under ``key``, replacing any
    object there; returns once the bytes are durable."""
    if s3.is_s3(config):
        bucket = s3.Bucket(config)
        bucket.put(_s3_key(bucket, key), fileobj)
        return
    final = _path(config, key)
    final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomically(final, final.parent, lambda out: shutil.copyfileobj(fileobj, out, CHUNK))
    fsync_directory(final.parent)


def open_object(config: Mapping[str, object], key: str) -> BinaryIO:
    """The object opened for binary reading (close it); FileNotFoundError if absent."""
    if s3.is_s3(config):
        bucket = s3.Bucket(config)
        return bucket.get(_s3_key(bucket, key))
    return _path(config, key).open("rb")


def exists(config: Mapping[str, object], key: str) -> bool:
    """Whether an object is stored under ``key``."""
    if s3.is_s3(config):
        bucket = s3.Bucket(config)
        return bucket.head(_s3_key(bucket, key)) is not None
    return _path(config, key).is_file()


def listing(config: Mapping[str, object], folder: str) -> list[tuple[str, float]]:
    """Every object whose key lies under ``folder`` (a key's leading segments, e.g.
    ``reports/jobs``), as (key, last written as a timestamp), sorted by key; temp files of
    writes in flight are not objects."""
    if s3.is_s3(config):
        bucket = s3.Bucket(config)
        base = bucket.prefix + s3.OBJECTS_PREFIX
        found = [
            (obj["Key"].removeprefix(base), obj["LastModified"].timestamp())
            for obj in bucket.listing(base + _checked(folder) + "/")
        ]
        return sorted(found)
    root = Path(str(config["ASSESS_INSTANCE"])) / OBJECTS_FOLDER
    found = []
    for path in (root / _checked(folder)).rglob("*"):
        if path.name.startswith(TEMP_PREFIX):
            continue
        try:
            if path.is_file():
                found.append((path.relative_to(root).as_posix(), path.stat().st_mtime))
        except FileNotFoundError:
            continue  # deleted meanwhile
    return sorted(found)


def delete(config: Mapping[str, object], key: str) -> None:
    """Remove the object under ``key`` (and, locally, the folders it leaves empty);
    nothing happens when there is none."""
    if s3.is_s3(config):
        bucket = s3.Bucket(config)
        bucket.delete(_s3_key(bucket, key))
        return
    path = _path(config, key)
    path.unlink(missing_ok=True)
    # The folders it leaves empty go too (a batch's parts folder once its zip is made).
    root = Path(str(config["ASSESS_INSTANCE"])) / OBJECTS_FOLDER
    for folder in path.parents:
        if folder == root:
            break
        try:
            folder.rmdir()
        except OSError:  # not empty (another object), or already gone
            break
