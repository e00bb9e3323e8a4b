"""A real S3 endpoint on loopback for the store tests: moto's standalone server, started
once per test run and stopped at its end, with a fresh bucket per test."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3

from assess.evidence.storage import EvidenceStore, member_name

ACCESS = {"S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test", "S3_REGION": "us-east-1"}


def start():
    """moto's server on 127.0.0.1 and a free port; (server, endpoint URL)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def new_bucket(endpoint: str) -> dict[str, str]:
    """A fresh bucket on the server; the settings that point the app at it."""
    name = f"assess-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    return {"STORAGE_URL": f"s3://{name}/city", "S3_ENDPOINT_URL": endpoint, **ACCESS}


def age(store: EvidenceStore, sha256: str, seconds: float) -> None:
    """Make a stored file (and its thumbnail) look ``seconds`` old, on either backend: a
    file's modification time, or the LastModified the S3 server reports (S3 has no call
    that sets it, so the test reaches into moto's state, which lives in this process)."""
    members = (member_name(sha256), member_name(sha256, thumbnail=True))
    if store.backend.local:
        when = time.time() - seconds
        for member in members:
            path = store.backend.path(member)
            if path.exists():
                os.utime(path, (when, when))
        return
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    bucket = s3_backends[DEFAULT_ACCOUNT_ID]["global"].buckets[store.backend.bucket.name]
    when = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=seconds)
    for member in members:
        for version in bucket.keys.getlist(store.backend.key_for(member), []):
            version.last_modified = when


def member_size(store: EvidenceStore, sha256: str, thumbnail: bool = False) -> int:
    found = store.backend.age(member_name(sha256, thumbnail))
    assert found is not None
    return found[1]
