"""PDF downloads from the web and the CLI: unit report, city summary, batch zip."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zipfile

import pytest

from assess.accounts.models import User
from assess.cycles import publishing, submissions
from assess.cycles.models import Submission
from assess.units.models import Unit
from tests.cycle_helpers import make_cycle, unit

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")


def _text(pdf: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


@pytest.fixture
def published(demo, db):
    """A published cycle over three counties, 金水区 with values for every indicator."""
    keep = ["410105", "410102", "410103"]
    Unit.update(active=False).where(
        Unit.kind.in_(["county", "department"]), Unit.code.not_in(keep)
    ).execute()
    cycle = make_cycle("open")
    reporter = User.get(User.username == "r-410105")
    for code, value in [("A1", "85/100"), ("A2", "5"), ("B1", "优")]:
        submissions.save_value(cycle, unit("410105"), code, value, "", None, reporter)
    submissions.save_value(cycle, unit("410102"), "A2", "4", "", None, reporter)
    # Only submitted values count; 中原区 submits its one value without the unit-wide check.
    submissions.submit_unit(cycle, unit("410105"), reporter)
    Submission.update(status="submitted").where(Submission.status == "draft").execute()
    admin = User.get(User.username == "admin")
    from assess.cycles import lifecycle

    lifecycle.transition(cycle, "review", admin)
    publishing.publish(cycle, admin)
    return cycle


def test_viewer_downloads_a_unit_report(as_user, published):
    jinshui = unit("410105")
    response = as_user("viewer").get(f"/reports/cycles/{published.id}/units/{jinshui.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _text(response.data)
    # A1 = 40 × 25/35 = 28.57, A2 = 30, B1 = 30: total 88.57, 良好, first of three counties
    for expected in ("金水区", "88.57", "良好", "政策知晓率", "协调会次数"):
        assert expected in text, expected


def test_reporter_gets_own_report_but_not_anothers(as_user, published):
    reporter = as_user("r-410105")
    own = reporter.get(f"/reports/cycles/{published.id}/units/{unit('410105').id}.pdf")
    assert own.status_code == 200
    other = reporter.get(f"/reports/cycles/{published.id}/units/{unit('410102').id}.pdf")
    assert other.status_code == 404
    assert reporter.get(f"/reports/cycles/{published.id}/summary.pdf").status_code == 403


def test_city_summary(as_user, published):
    response = as_user("viewer").get(f"/reports/cycles/{published.id}/summary.pdf")
    assert response.status_code == 200
    text = _text(response.data)
    for expected in ("金水区", "中原区", "88.57"):
        assert expected in text, expected


def test_unpublished_cycle_has_no_reports(as_user, db):
    cycle = make_cycle("open")
    viewer = as_user("viewer")
    assert viewer.get(f"/reports/cycles/{cycle.id}/summary.pdf").status_code == 404


def test_batch_generates_a_zip_with_every_unit(as_user, published):
    admin = as_user("admin")
    response = admin.post(f"/reports/cycles/{published.id}/batch")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page = admin.get(job_url).data.decode()
        if "下载全部" in page or "生成失败" in page:
            break
        time.sleep(0.5)
    assert "已生成 3 份督查报告" in page
    archive = admin.get(job_url + "/download")
    assert archive.status_code == 200
    names = sorted(zipfile.ZipFile(io.BytesIO(archive.data)).namelist())
    assert names == ["2026-410102.pdf", "2026-410103.pdf", "2026-410105.pdf"]
    assert as_user("viewer").get(job_url).status_code == 403


def test_report_command(published, database_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from assess.cli.main import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "cli-instance"))
    monkeypatch.setenv("SECRET_KEY", "report-command-test")  # PostgreSQL needs a shared key
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["report", "--cycle", "2026", "--unit", "410105", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    pdf = (out / "2026-410105.pdf").read_bytes()
    assert "88.57" in _text(pdf)
    bad = CliRunner().invoke(main, ["report", "--cycle", "2026", "-o", str(out)])
    assert bad.exit_code == 1 and "二选一" in bad.output
    missing = CliRunner().invoke(main, ["report", "--cycle", "1999", "--all", "-o", str(out)])
    assert missing.exit_code == 1 and "没有找到" in missing.output
