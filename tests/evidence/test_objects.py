"""Named objects (assess.evidence.objects): put, open, exists and delete under a key, never
outside ``<instance>/objects``."""

from __future__ import annotations

import io

import pytest

from assess.evidence import objects

pytestmark = pytest.mark.pure


@pytest.fixture
def config(tmp_path):
    return {"ASSESS_INSTANCE": str(tmp_path)}


def test_put_open_exists_delete(config, tmp_path):
    key = "reports/jobs/ab12.zip"
    assert not objects.exists(config, key)
    objects.put(config, key, io.BytesIO(b"first"))
    objects.put(config, key, io.BytesIO(b"second"))  # replaced whole
    assert objects.exists(config, key)
    with objects.open_object(config, key) as stored:
        assert stored.read() == b"second"
    assert (tmp_path / "objects" / "reports" / "jobs" / "ab12.zip").read_bytes() == b"second"
    assert [p.name for p in (tmp_path / "objects" / "reports" / "jobs").iterdir()] == ["ab12.zip"]
    objects.delete(config, key)
    objects.delete(config, key)  # nothing there: nothing happens
    assert not objects.exists(config, key)
    assert not (tmp_path / "objects" / "reports").exists()  # no empty folders left behind
    with pytest.raises(FileNotFoundError):
        objects.open_object(config, key)


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "../secret_key", "a/../../b", "a//b", ".hidden", "a/b.tmp", "a\\b"]
)
def test_a_key_never_reaches_outside_the_store(config, key):
    for call in (
        lambda: objects.put(config, key, io.BytesIO(b"x")),
        lambda: objects.open_object(config, key),
        lambda: objects.exists(config, key),
        lambda: objects.delete(config, key),
    ):
        with pytest.raises(ValueError):
            call()
