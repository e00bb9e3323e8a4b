"""Fixtures that run a test on both backends of the store: the local folder and an S3
bucket on moto's server (started on loopback once per run of the module or folder that
imports them). Imported by this folder's conftest and by other areas' tests that store
objects (report jobs)."""

from __future__ import annotations

import pytest

from assess.core.db import database
from tests.conftest import migrated_app
from tests.evidence import s3_server


@pytest.fixture(scope="session")
def s3_endpoint():
    server, endpoint = s3_server.start()
    yield endpoint
    server.stop()


@pytest.fixture(params=["local", "s3"])
def backend(request):
    """The store's backend settings: none (local), or a fresh bucket."""
    if request.param == "local":
        return {}
    return s3_server.new_bucket(request.getfixturevalue("s3_endpoint"))


@pytest.fixture
def app(database_url, tmp_path, backend):
    app = migrated_app(database_url, tmp_path, **backend)
    yield app
    if not database.is_closed():
        database.close()
