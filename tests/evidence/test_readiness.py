"""``/health/ready`` asks the evidence store's backend too: a bucket that does not answer
makes the server not ready, on whichever backend the store is."""

from __future__ import annotations

from tests.conftest import migrated_app
from tests.evidence import s3_server


def test_ready_on_either_backend(app, backend):
    response = app.test_client().get("/health/ready")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"]["store"] == "ok"


def test_a_bucket_that_does_not_answer_is_not_ready(database_url, tmp_path, s3_endpoint):
    settings = s3_server.new_bucket(s3_endpoint) | {"STORAGE_URL": "s3://no-such-bucket/x"}
    app = migrated_app(database_url, tmp_path, **settings)
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.get_json()["checks"]["store"] == "证据存储不可读写"
