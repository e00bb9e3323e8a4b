"""PDF downloads from the web and the CLI: unit report, city summary, batch zip."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
import zipfile

import pytest

from assess.accounts.models import User
from assess.core.formatting import local_today
from assess.cycles import publishing, submissions
from assess.cycles.models import Submission
from assess.units.models import Unit
from tests.conftest import AUDIT_KEY
from tests.cycle_helpers import make_cycle, unit

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")


def _text(pdf: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


@pytest.fixture
def published(demo, db):
    return publish_three_counties()


def publish_three_counties():
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


def test_unit_report_prints_rates_as_percents(as_user, published):
    jinshui = unit("410105")
    response = as_user("viewer").get(f"/reports/cycles/{published.id}/units/{jinshui.id}.pdf")
    lines = _text(response.data).splitlines()
    at = next(i for i, x in enumerate(lines) if "政策知晓率" in x)
    # target and value in the same unit, two decimals; the fraction small under the percent
    row = lines[at - 1 : at + 2]
    assert "95.00%" in lines[at], row
    assert re.search(r"(^|\s)85.00%(\s|$)", row[0]) and row[2].strip() == "85/100", row


def test_viewer_downloads_a_unit_report(as_user, published):
    jinshui = unit("410105")
    response = as_user("viewer").get(f"/reports/cycles/{published.id}/units/{jinshui.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _text(response.data)
    # A1 = 40 × 25/35 = 28.57, A2 = 30, B1 = 30: total 88.57, 良好, first of three counties
    for expected in ("金水区", "88.57", "良好", "政策知晓率", "协调会次数"):
        assert expected in text, expected


def test_reports_print_the_audit_head_the_command_line_checks(
    as_user, published, database_url, tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from assess.cli.main import main
    from assess.cycles.publishing import current_snapshot

    snapshot = current_snapshot(published)
    digits = snapshot.audit_mac[:16]
    printed = f"审计链指纹：{digits}（发布时共 {snapshot.audit_count} 条审计记录）"
    viewer = as_user("viewer")
    for url in (f"units/{unit('410105').id}.pdf", "summary.pdf"):
        text = _text(viewer.get(f"/reports/cycles/{published.id}/{url}").data)
        assert printed in text, url
        assert f"assess audit verify --at {snapshot.audit_count}" in text
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "cli-instance"))
    monkeypatch.setenv("SECRET_KEY", "report-command-test")
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    checked = CliRunner().invoke(main, ["audit", "verify", "--at", str(snapshot.audit_count)])
    assert checked.exit_code == 0, checked.output
    assert f"第 {snapshot.audit_count} 条记录时的审计链指纹：{digits}" in checked.output
    # Without the instance's key the same log does not verify, so no head is printed.
    monkeypatch.setenv("AUDIT_KEY", "a guess")
    guessed = CliRunner().invoke(main, ["audit", "verify", "--at", str(snapshot.audit_count)])
    assert guessed.exit_code == 1 and "AUDIT_KEY" in guessed.output
    assert digits not in guessed.output


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


@pytest.fixture
def inline_queue():
    """Queued tasks run inside the request (huey's immediate mode): these tests are about
    the batch's output, not the queue (tests/reports/test_report_queue.py is)."""
    from assess.core.queue import huey

    huey.immediate = True
    yield
    huey.immediate = False


def test_batch_generates_a_zip_with_every_unit(as_user, published, inline_queue):
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


def test_a_report_that_fails_is_named_by_its_unit_in_chinese(
    as_user, published, inline_queue, monkeypatch
):
    """The page and the zip's list name the unit and say what happened in Chinese; the
    program's own words (English, a traceback) go to the log only."""
    from assess.reports import render
    from assess.units.models import Unit

    real = render.render_report

    def failing(data):
        if data.unit_name == "中原区":
            raise RuntimeError("KeyError 'peer_rank' in template unit.html")
        return real(data)

    monkeypatch.setattr(render, "render_report", failing)  # the worker imports it per part
    admin = as_user("admin")
    job_url = admin.post(f"/reports/cycles/{published.id}/batch").headers["Location"]
    page = admin.get(job_url).data.decode()
    assert "已生成 2 份督查报告" in page
    assert "中原区：生成时出错，详情已记入系统日志" in page
    assert "KeyError" not in page and "2026-410102.pdf" not in page
    archive = zipfile.ZipFile(io.BytesIO(admin.get(job_url + "/download").data))
    manifest = archive.read("failures.txt").decode()
    assert "中原区：生成时出错" in manifest and "KeyError" not in manifest
    assert Unit.get(Unit.code == "410102").name == "中原区"


def test_report_command(published, database_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from assess.cli.main import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "cli-instance"))
    monkeypatch.setenv("SECRET_KEY", "report-command-test")  # PostgreSQL needs a shared key
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
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


def _break_one(module, monkeypatch, code: str) -> None:
    """Make the report of unit ``code`` fail inside its worker (data that cannot render)."""
    import dataclasses

    real = module.render_batch

    def render_batch(jobs, out, **options):
        jobs = [
            dataclasses.replace(job, data=dataclasses.replace(job.data, categories=(None,) * 3))
            if job.filename.endswith(f"-{code}.pdf")
            else job
            for job in jobs
        ]
        return real(jobs, out, **options)

    monkeypatch.setattr(module, "render_batch", render_batch)


def _break_one_rendered(monkeypatch, code: str) -> None:
    """The same inside a queue task: the report of unit ``code`` fails as it is drawn."""
    import dataclasses

    from assess.reports import render

    real = render.render_report

    def render_report(data):
        if data.unit_code == code:
            data = dataclasses.replace(data, categories=(None,) * 3)
        return real(data)

    monkeypatch.setattr(render, "render_report", render_report)


def _wait_for_job(admin, job_url: str) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page = admin.get(job_url).data.decode()
        if "下载全部" in page or "生成失败" in page or "均未能生成" in page:
            return page
        time.sleep(0.5)
    raise AssertionError("batch did not finish")


def test_batch_delivers_the_others_when_one_report_fails(
    as_user, published, monkeypatch, inline_queue
):
    from assess.cycles.models import Rectification

    # Text no font can draw, in an answer and a unit name, is no failure at all.

    Rectification.create(
        cycle=published,
        unit=unit("410103"),
        demand="完善\ue000台账",
        due_date=published.created_at,
        response="已整改",
        status="responded",
    )
    Unit.update(name=Unit.name + "\ue000").where(Unit.code == "410103").execute()
    _break_one_rendered(monkeypatch, "410102")
    admin = as_user("admin")
    job_url = admin.post(f"/reports/cycles/{published.id}/batch").headers["Location"]
    page = _wait_for_job(admin, job_url)
    assert "已生成 2 份督查报告" in page
    assert "中原区：生成时出错，详情已记入系统日志" in page and "failures.txt" in page
    assert "2026-410102.pdf" not in page and "NoneType" not in page
    archive = zipfile.ZipFile(io.BytesIO(admin.get(job_url + "/download").data))
    assert sorted(archive.namelist()) == ["2026-410103.pdf", "2026-410105.pdf", "failures.txt"]
    manifest = archive.read("failures.txt").decode("utf-8")
    # the manifest lies beside the files: it names the missing one, and why in Chinese
    assert "2026-410102.pdf\t中原区：生成时出错" in manifest and "NoneType" not in manifest
    text = _text(archive.read("2026-410103.pdf"))
    assert "完善□台账" in text and "\ue000" not in text


def test_report_command_delivers_the_others(published, database_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from assess.cli.main import main
    from assess.reports import batch

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "cli-instance"))
    monkeypatch.setenv("SECRET_KEY", "report-command-test")  # PostgreSQL needs a shared key
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    _break_one(batch, monkeypatch, "410102")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", "--cycle", "2026", "--all", "-o", str(out)])
    assert result.exit_code == 1
    assert sorted(p.name for p in out.glob("*.pdf")) == ["2026-410103.pdf", "2026-410105.pdf"]
    assert "中原区督查报告：生成时出错" in result.output  # 410102, named for a person
    assert "NoneType" not in result.output  # the traceback goes to the log, not the screen
    assert "郑州市" in _text((out / "2026-410105.pdf").read_bytes())  # the issuing office


def _county_totals(cycle) -> dict[str, str]:
    from assess.cycles.models import UnitResultRecord
    from assess.cycles.publishing import current_snapshot

    rows = UnitResultRecord.select(UnitResultRecord, Unit).join(Unit)
    return {
        r.unit.name: f"{r.total:.2f}"
        for r in rows.where(UnitResultRecord.snapshot == current_snapshot(cycle))
        if r.kind == "county"
    }


def test_units_do_not_see_each_other_by_default(as_user, published):
    totals = _county_totals(published)
    others = [name for name in totals if name != "金水区"]
    assert len(others) == 2
    reporter = as_user("r-410105")
    pdf = reporter.get(f"/reports/cycles/{published.id}/units/{unit('410105').id}.pdf")
    text = _text(pdf.data)
    page = reporter.get(f"/cycles/{published.id}/units/{unit('410105').id}/result").data.decode()
    for shown in (text, page):
        for name in others:
            assert name not in shown
        assert "同类平均" in shown and "同类最高" in shown and "同类最低" in shown
        assert min(totals.values(), key=float) in shown  # the lowest, without its name


def test_the_office_may_let_units_see_each_other(app, as_user, published, monkeypatch):
    monkeypatch.setitem(app.config, "UNITS_SEE_PEERS", True)
    pdf = as_user("r-410105").get(f"/reports/cycles/{published.id}/units/{unit('410105').id}.pdf")
    text = _text(pdf.data)
    for name in _county_totals(published):
        assert name in text


def test_viewers_read_rectifications_only_once_published(as_user, db):
    from datetime import timedelta

    from assess.cycles.models import Rectification

    cycle = make_cycle("open")
    Rectification.create(
        cycle=cycle,
        unit=unit("410105"),
        demand="台账缺失须补齐",
        due_date=local_today() + timedelta(days=9),
        response="正在补录台账",
    )
    assert "台账缺失须补齐" in as_user("admin").get(f"/cycles/{cycle.id}").data.decode()
    viewer = as_user("viewer")
    page = viewer.get(f"/cycles/{cycle.id}").data.decode()
    assert "台账缺失须补齐" not in page and "正在补录台账" not in page
    assert "结果公布后可见" in page
    cycle.state = "published"
    cycle.save()
    page = viewer.get(f"/cycles/{cycle.id}").data.decode()
    assert "台账缺失须补齐" in page and "正在补录台账" in page
