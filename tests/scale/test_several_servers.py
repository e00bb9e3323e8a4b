"""Several app servers behind no sticky sessions, one queue, one bucket (issue 13.4).

Everything here goes over HTTP to gunicorn servers in processes of their own, as
browsers would: forms posted with the CSRF token of the page they are on, a session
begun on one server carried to another by its cookie. Each test runs on both queue
engines (PostgresHuey on the app's database, RedisHuey), ``size.rounds`` times, each
round on the next pair of servers (A→B, B→C, …).
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from assess.core.enums import NotificationKind
from assess.core.formatting import local_today
from assess.core.models import AuditEntry
from assess.cycles.models import Cycle
from assess.notifications import reminders, store
from assess.notifications.models import Notification
from assess.notifications.sent import ReminderSent
from tests.cycle_helpers import pdf_bytes
from tests.loopback import ASSESS, assess_env, wait_until
from tests.scale.browser import Browser, redirected_to

pytestmark = pytest.mark.postgres_only

PROGRESS = re.compile(r"正在生成：(\d+) / (\d+)")


def pairs(stack):
    """(A, B) base URLs for each round: a session or a job begins on A and goes on on B."""
    urls = [server.base_url for server in stack.servers]
    return [(urls[r % len(urls)], urls[(r + 1) % len(urls)]) for r in range(stack.size.rounds)]


def signed_in(base_url: str, username: str) -> Browser:
    browser = Browser(base_url)
    browser.sign_in(username)
    return browser


def test_a_session_begun_on_one_server_goes_on_on_another(stack):
    overview = f"/cycles/{stack.data.published_cycle}"
    for a_url, b_url in pairs(stack):
        a = signed_in(a_url, "admin")
        b = Browser(b_url)
        assert b.get(overview).status_code == 302  # not signed in on B yet: to the sign-in
        b.use_session(a.session_cookie)
        page = b.page(overview)
        assert "兰维娜" in page and "批量生成各单位督查报告" in page  # the admin, on B


def test_evidence_uploaded_through_one_server_downloads_through_another(stack):
    unit_page = f"/cycles/{stack.data.open_cycle}/units/{stack.data.uploader_unit}/"
    for n, (a_url, b_url) in enumerate(pairs(stack)):
        content = pdf_bytes(pages=n + 1)  # new bytes each round: the store deduplicates
        a = signed_in(a_url, "r-410105")
        version = re.search(r'name="version-A2" value="(\d+)"', a.page(unit_page)).group(1)
        saved = a.submit(
            unit_page,
            unit_page + "save",
            {"save": "A2", "version-A2": version, "value-A2": "5"},
            files={"files-A2": (f"协调会纪要{n}.pdf", content, "application/pdf")},
        )
        assert saved.status_code == 302, saved.text[:500]
        evidence = max(int(i) for i in re.findall(r'href="/evidence/(\d+)"', a.page(unit_page)))

        # The reporter on B with its session from A, and an inspector signed in on B.
        reporter_b = Browser(b_url)
        reporter_b.use_session(a.session_cookie)
        for browser in (reporter_b, signed_in(b_url, "inspector")):
            download = browser.get(f"/evidence/{evidence}")
            assert download.status_code == 200
            assert download.content == content

        # In the bucket, under the store's content name; on no server's disk.
        sha256 = hashlib.sha256(content).hexdigest()
        bucket = stack.s3()
        keys = [
            o["Key"]
            for o in bucket.list_objects_v2(Bucket=stack.bucket).get("Contents", [])
            if o["Key"].endswith("/" + sha256)
        ]
        assert keys == [f"city/evidence/{sha256[:2]}/{sha256[2:4]}/{sha256}"]
        stored = bucket.get_object(Bucket=stack.bucket, Key=keys[0])["Body"].read()
        assert stored == content
        assert not [p for p in Path(stack.folder).rglob(sha256 + "*")]


def start_batch(browser: Browser, stack) -> tuple[str, str]:
    """The office presses 批量生成 on the cycle page: (job page path, job id)."""
    cycle = stack.data.published_cycle
    started = browser.submit(f"/cycles/{cycle}", f"/reports/cycles/{cycle}/batch")
    job_path = redirected_to(started)
    assert job_path.startswith("/reports/jobs/"), job_path
    return job_path, job_path.rsplit("/", 1)[1]


def progress_on(browser: Browser, job_path: str) -> tuple[int, int] | None:
    """(done, total) while the job page shows it running, else None; AssertionError with
    the page's reason if it shows the job failed."""
    page = browser.page(job_path)
    failed = re.search(r'<p class="flash flash-error">([^<]*)</p>', page)
    assert not failed, f"{job_path} failed: {failed.group(1)}"
    found = PROGRESS.search(page)
    return (int(found.group(1)), int(found.group(2))) if found else None


def assert_zip_of_reports(browser: Browser, job_path: str, stack) -> None:
    archive = browser.get(job_path + "/download")
    assert archive.status_code == 200 and archive.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        assert tuple(sorted(z.namelist())) == stack.data.report_names
        for name in z.namelist():
            pdf = z.read(name)
            assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:], name


def test_a_batch_started_on_one_server_shows_progress_on_another_and_completes(stack):
    for a_url, b_url in pairs(stack):
        batch_round(stack, signed_in(a_url, "admin"), signed_in(b_url, "admin"))


def batch_round(stack, a: Browser, b: Browser) -> None:
    total = len(stack.data.report_names)
    job_path, job_id = start_batch(a, stack)
    if not any(w.alive() for w in stack.workers):
        # Nothing runs in a web server: the job waits for a worker, on every server.
        assert "排队中" in b.page(job_path)
        stack.start_worker()
    seen: list[tuple[int, int]] = []

    def finished() -> bool:
        if progress := progress_on(b, job_path):
            seen.append(progress)
            return False
        return f"已生成 {total} 份督查报告" in b.page(job_path)

    wait_until(finished, seconds=300, what=f"batch {job_id}", every=0.05)
    assert "份报告未能生成" not in b.page(job_path)
    assert seen, "B never showed the batch running"
    assert {t for _, t in seen} == {total}
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # progress never goes back
    assert_zip_of_reports(b, job_path, stack)
    zip_key = f"city/objects/reports/jobs/{job_id}.zip"
    assert stack.s3().head_object(Bucket=stack.bucket, Key=zip_key)["ContentLength"] > 0


def test_a_worker_killed_mid_batch_fails_the_job_and_a_retry_completes(stack):
    if stack.engine not in stack.size.kill_engines:
        pytest.skip(f"the quick size kills a worker on {stack.size.kill_engines[0]} only")
    for a_url, b_url in pairs(stack):
        kill_round(stack, signed_in(a_url, "admin"), signed_in(b_url, "admin"))


def kill_round(stack, a: Browser, b: Browser) -> None:
    heartbeat = stack.size.heartbeat_seconds
    worker = stack.running_worker()
    job_path, job_id = start_batch(a, stack)
    wait_until(
        lambda: (p := progress_on(b, job_path)) and p[0] >= 1,
        seconds=300,
        what="the first report",
        every=0.05,
    )
    worker.kill()  # kill -9: the consumer and its worker processes
    done, total = progress_on(b, job_path)  # still shown running while the heartbeat is recent
    assert done < total, "the batch finished before the worker was killed"

    page = wait_until(
        lambda: "生成失败" in (text := b.page(job_path)) and text,
        seconds=heartbeat + 60,
        what="the failure",
    )
    assert f"已超过 {heartbeat} 秒没有进展" in page

    retried = b.submit(job_path, f"/reports/jobs/{job_id}/restart")  # 重新生成, as on the page
    retry_path = redirected_to(retried)
    assert retry_path != job_path
    stack.start_worker()
    wait_until(
        lambda: f"已生成 {total} 份督查报告" in a.page(retry_path),
        seconds=300,
        what="the retried batch",
    )
    assert_zip_of_reports(a, retry_path, stack)
    assert "生成失败" in b.page(job_path)  # the killed job's queued tasks did nothing


# What each worker's huey scheduler does when the reminders' minute comes: it enqueues the
# periodic task. Run in a process of its own, with the stack's settings.
ENQUEUE_REMINDERS = (
    "import sys\n"
    "from assess import create_app\n"
    "from assess.notifications.tasks import remind_periodically\n"
    "create_app()\n"
    "for _ in range(int(sys.argv[1])):\n"
    "    remind_periodically()\n"
)


def test_reminders_are_sent_once_with_two_workers_running(stack):
    with stack.connected():
        due = reminders_due_in_two_days(stack)
    assert due, "no unit owes anything: nothing to remind"
    stack.stop_workers()
    workers = [stack.start_worker(), stack.start_worker()]
    env = assess_env(stack.settings | {"ASSESS_INSTANCE": stack.folder / "enqueue"})
    # Two schedulers, each enqueueing the task, more than once (a period passing while the
    # test runs), and cron's `assess remind` beside them, all at the same moment.
    copies = 2 * len(workers)
    scheduler = subprocess.Popen([sys.executable, "-c", ENQUEUE_REMINDERS, str(copies)], env=env)
    cron = subprocess.run(ASSESS + ["remind"], env=env, capture_output=True, text=True)
    assert scheduler.wait(120) == 0 and cron.returncode == 0, cron.stderr
    wait_until(lambda: stack.queued_tasks() == 0, seconds=120, what="the queue drained")
    for worker in workers:
        worker.stop()  # SIGINT: each finishes the task at hand, so every copy has run

    with stack.connected():
        sent = ReminderSent.select().where(ReminderSent.cycle == stack.data.open_cycle)
        assert sorted((r.unit_id, r.threshold) for r in sent) == sorted(
            (r.unit_id, r.threshold) for r in due
        )
        recipients = sum(len(store.unit_recipients([r.unit_id])) for r in due)
        near = Notification.select().where(Notification.kind == NotificationKind.DEADLINE_NEAR)
        assert near.count() == recipients
        audited = AuditEntry.select().where(AuditEntry.action == "reminder.send")
        assert audited.count() == len(due)

    for _, b_url in pairs(stack):  # the reporter reads it once, on any server
        page = signed_in(b_url, "r-410105").page("/notifications/")
        assert page.count("还有 2 天，尚有指标未提交") == 1


def reminders_due_in_two_days(stack) -> list:
    """Move the open cycle's 自评截止 to two days from today: every unit still owing is due
    its 3-day reminder. The reminders due, as the scan sees them."""
    today = local_today()
    Cycle.update(self_report_due=today + timedelta(days=2)).where(
        Cycle.id == stack.data.open_cycle
    ).execute()
    return [r for r in reminders.due_reminders(today) if r.cycle_id == stack.data.open_cycle]
