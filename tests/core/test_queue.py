"""QUEUE_URL chooses the queue's storage: the instance's SqliteHuey file by default."""

from __future__ import annotations

import pytest
from huey.storage import RedisStorage, SqliteStorage

from assess.core import queue

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("url", "storage", "kwargs"),
    [
        ("", SqliteStorage, {"filename": "/srv/assess/queue.db"}),
        ("sqlite:////var/q.db", SqliteStorage, {"filename": "/var/q.db"}),
        (
            "postgresql://u:p@db:5432/assess",
            queue.SharedPostgresStorage,
            {"dsn": "postgresql://u:p@db:5432/assess"},
        ),
        ("redis://cache:6379/2", RedisStorage, {"url": "redis://cache:6379/2"}),
    ],
)
def test_queue_url_chooses_the_storage(url, storage, kwargs):
    assert queue.storage_for(url, "/srv/assess") == (storage, kwargs)


def test_an_unknown_queue_url_is_refused():
    with pytest.raises(queue.QueueURLError):
        queue.storage_for("amqp://broker", "/srv/assess")


def test_an_app_puts_its_queue_in_its_instance(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/assess.db", tmp_path)
    assert isinstance(queue.huey.storage, SqliteStorage)
    assert queue.huey.storage.filename == f"{app.config['ASSESS_INSTANCE']}/queue.db"
    assert not queue.huey.immediate


def test_a_mistyped_queue_url_never_shows_its_password():
    with pytest.raises(queue.QueueURLError) as refused:
        queue.storage_for("postgresq://assess:S3cret-pw@db.internal:5432/assess", "/tmp")
    assert "S3cret-pw" not in str(refused.value) and "assess:" not in str(refused.value)
    assert "db.internal:5432" in str(refused.value)
