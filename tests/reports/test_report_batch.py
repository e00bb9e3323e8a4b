"""Batch rendering in worker processes, and the zip of a batch."""

from __future__ import annotations

import dataclasses
import zipfile

import pytest

from assess.reports.batch import BatchRenderError, ReportJob, render_batch, zip_reports
from tests.reports import sample_reports

pytestmark = pytest.mark.pure


def small_jobs(count: int) -> list[ReportJob]:
    return [
        ReportJob(sample_reports.sample_unit_report(i, indicator_count=8), f"单位{i:02d}.pdf")
        for i in range(count)
    ]


def test_renders_every_job_in_order_with_progress(tmp_path):
    seen = []
    jobs = [*small_jobs(2), ReportJob(sample_reports.sample_award_list(), "表彰名单.pdf")]
    paths = render_batch(jobs, tmp_path / "out", workers=2, progress=lambda *a: seen.append(a))
    assert [p.name for p in paths] == [j.filename for j in jobs]
    for path in paths:
        assert path.read_bytes().startswith(b"%PDF-1.7")
    assert [done for done, _total, _path in seen] == [1, 2, 3]
    assert {total for _done, total, _path in seen} == {3}
    assert {p for *_x, p in seen} == set(paths)
    assert not list((tmp_path / "out").glob(".tmp-*"))

    archive = zip_reports(paths, tmp_path / "reports.zip")
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == [j.filename for j in jobs]
        assert opened.read("表彰名单.pdf") == paths[2].read_bytes()


def test_a_failing_report_does_not_stop_the_others(tmp_path, caplog):
    good, bad = small_jobs(2)
    # Text without a glyph no longer fails a report (issue 11): broken data does.
    bad = ReportJob(dataclasses.replace(bad.data, categories=(None, None, None)), "bad.pdf")
    seen = []
    with pytest.raises(BatchRenderError) as caught:
        render_batch([good, bad], tmp_path, workers=1, progress=lambda *a: seen.append(a))
    assert [name for name, _message in caught.value.failures] == ["bad.pdf"]
    # The person reads which unit's report failed, in Chinese; the exception goes to the log.
    message = caught.value.failures[0][1]
    assert message == f"{bad.data.unit_name}督查报告：生成时出错，详情已记入系统日志"
    assert "NoneType" not in message
    assert "NoneType" in caplog.text
    assert [p.name for p in caught.value.written] == [good.filename]
    assert not (tmp_path / "bad.pdf").exists()
    assert sorted(path is None for *_x, path in seen) == [False, True]


@pytest.mark.parametrize("name", ["", "../x.pdf", "a/b.pdf", ".."])
def test_file_names_must_be_plain(tmp_path, name):
    with pytest.raises(ValueError):
        render_batch([ReportJob(sample_reports.sample_award_list(), name)], tmp_path)


def test_file_names_must_differ(tmp_path):
    job = ReportJob(sample_reports.sample_award_list(), "a.pdf")
    with pytest.raises(ValueError):
        render_batch([job, job], tmp_path)


def test_empty_batch(tmp_path):
    assert render_batch([], tmp_path / "none") == []


def test_zip_refuses_duplicate_names(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(ValueError):
        zip_reports([tmp_path / "a" / "x.pdf", tmp_path / "b" / "x.pdf"], tmp_path / "z.zip")
    assert not (tmp_path / "z.zip").exists()


def test_a_failing_progress_callback_stops_the_batch(tmp_path):
    def progress(done, total, path):
        raise RuntimeError("stop")

    jobs = [
        ReportJob(sample_reports.sample_unit_report(i % 16, indicator_count=3), f"{i}.pdf")
        for i in range(10)
    ]
    with pytest.raises(RuntimeError, match="stop"):
        render_batch(jobs, tmp_path, workers=1, progress=progress)
    # The reports already handed to the worker finish; the others never start.
    assert len(list(tmp_path.glob("*.pdf"))) <= 4


def test_workers_are_recycled_without_hanging(tmp_path):
    """More reports than a worker may render before it is replaced (CPython gh-115634
    made ProcessPoolExecutor(max_tasks_per_child=…) hang exactly there)."""
    jobs = [
        ReportJob(sample_reports.sample_unit_report(i, indicator_count=3), f"{i}.pdf")
        for i in range(5)
    ]
    paths = render_batch(jobs, tmp_path, workers=1, max_tasks_per_child=2)
    assert [p.name for p in paths] == [f"{i}.pdf" for i in range(5)]
