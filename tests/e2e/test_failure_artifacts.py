"""The browser suite's own safety net: a failing step leaves a screenshot and its HTML, and
the scenario's later steps are skipped. Checked by running a scenario that fails on purpose
in a separate pytest process with the e2e fixtures (``-p tests.e2e.conftest``), against this
session's server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

FAILING_SCENARIO = """
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.scenario


def test_step_that_fails(act):
    page = act(None)
    page.goto("/auth/login")
    expect(page.locator("h1")).to_have_text("no such heading", timeout=300)


def test_later_step(act):
    raise AssertionError("ran after a failed step")
"""


def test_failing_step_is_screenshotted_and_later_steps_skip(tmp_path, live_server):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_story.py").write_text(FAILING_SCENARIO)
    artifacts = tmp_path / "artifacts"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.e2e.conftest", "-p", "no:cacheprovider"]
        + ["-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), "-rs"]
        + [str(tmp_path / "test_story.py")],
        cwd=ROOT,
        env=dict(os.environ, ASSESS_E2E_ARTIFACTS=str(artifacts), ASSESS_E2E_SERVER=live_server),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "1 failed, 1 skipped" in output, output
    assert "an earlier step of this scenario failed: test_step_that_fails" in output

    stem = "test_story--test_step_that_fails--anonymous"
    assert sorted(p.name for p in artifacts.iterdir()) == [f"{stem}.html", f"{stem}.png"]
    assert (artifacts / f"{stem}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "用户登录" in (artifacts / f"{stem}.html").read_text("utf-8")
    assert "e2e artifacts" in output and str(artifacts / f"{stem}.png") in output
