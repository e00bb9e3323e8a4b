"""Named objects (命名对象): files the app generates and serves again, such as the zip of a
report batch, kept under a key rather than by content.

Four functions, one store per instance: ``<instance>/objects/<key>``. A key is a relative
path of plain segments (letters, digits, ``._-``), never ``..`` or absolute, so no key
reaches outside the folder. An object is written whole or not at all (a temporary file
synced and renamed into place), so a reader on any server sees the old bytes or the new,
never half. Who may read an object is for the caller to check: nothing here is served
without the view's policy check.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _root(config: Mapping[str, object]) -> Path:
    return Path(str(config["ASSESS_INSTANCE"])) / "objects"


def _path(config: Mapping[str, object], key: str) -> Path:
    """Where ``key`` lives; ValueError for a key that is not a plain relative path."""
    parts = key.split("/") if isinstance(key, str) else [""]
    if not parts or any(not _SEGMENT.match(p) or p.endswith(".tmp") for p in parts):
        raise ValueError(f"not an object key: {key!r}")
    return _root(config).joinpath(*parts)


def put(config: Mapping[str, object], key: str, fileobj: BinaryIO) -> None:
    """Store the bytes read from ``fileobj`` under ``key``, replacing what was there; the
    object exists only once it is complete and synced."""
    target = _path(config, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(fileobj, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def open_object(config: Mapping[str, object], key: str) -> BinaryIO:
    """The object's bytes, open for reading (the caller closes it); FileNotFoundError when
    there is none."""
    return _path(config, key).open("rb")


def exists(config: Mapping[str, object], key: str) -> bool:
    return _path(config, key).is_file()


def delete(config: Mapping[str, object], key: str) -> None:
    """Remove the object, and the folders it leaves empty; nothing happens when there is
    none."""
    path = _path(config, key)
    path.unlink(missing_ok=True)
    root = _root(config)
    for folder in path.parents:
        if folder == root:
            break
        try:
            folder.rmdir()
        except OSError:  # not empty (another object), or already gone
            break
