"""Load test (压力测试) of the self-report deadline (SPEC §7, run by ``make loadtest``), on locust.

Builds its own instance (``bench/harness.py``: ``assess init``, ``assess demo --units-only``,
``--users`` extra county units with one reporter account each, an open cycle on the shipped
set ``zz-2012-county`` in which every unit has already entered all its values as drafts),
starts gunicorn (``--workers`` processes × ``--threads`` threads) on loopback in its own
process group, and lets locust, used as a library in this process (one greenlet per user,
headless, no web UI), play one reporter per account doing what a unit does on the last day.
Locust spawns the users over ``--ramp`` seconds; each signs in (the CSRF token read from the
form, as on every form after; the server hashes passwords with the production argon2
parameters, the dearest request of the app) and waits for the end of the ramp. Then, for
``--duration`` seconds, each revises values, waiting ``--think`` seconds on average between
two saves (the first save and then one in ``--upload-every`` also upload a small, unique PDF), submits at a
random moment of the last quarter and leaves. A reporter whose request fails waits, reloads
the page and goes on. The run stops by itself when every reporter has left, or at the end
of the duration plus a grace period, whatever happens.

Afterwards, with the server stopped, every write the server acknowledged (a redirect that
showed the success message) is looked up in the database (``harness.lost_writes``); anything
missing is a lost write.

Prints, one ``name: value`` a line, after a ``# <engine>`` line: ``load.users``,
``load.requests``, ``load.errors``, ``load.p50_ms``, ``load.p95_ms``, ``load.p99_ms``
(every request, from locust's statistics), ``load.lost_writes``; then, for reading the
figures, the save requests' own percentiles (``load.save_p95_ms`` …), the sign-in and page
percentiles, throughput, the audit-chain check, the machine's load average before the run,
the CPU time the simulated users took themselves and the CPU time of the gunicorn processes
per request (a PostgreSQL server's own time is not in it). Error details go to stderr.

``--database-url`` takes a PostgreSQL server URL (a fresh database is created on it and
dropped afterwards) or a SQLite URL; the default is a SQLite file in a temporary folder.
``--quick`` runs 5 users for 6 seconds after a 1-second ramp. Loopback only.
"""

from __future__ import annotations

# Locust's users are greenlets: sockets, ssl and threads must be gevent's before anything
# (requests, urllib3, the app's own modules) imports the standard ones.
from gevent import monkey

monkey.patch_all()

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import gevent
from locust import HttpUser, task
from locust.env import Environment
from locust.exception import StopUser
from locust.stats import RequestStats, StatsEntry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness
from bench.harness import Ledger, Plan

# --- the simulated reporters ------------------------------------------------------------------


class StepFailed(Exception):
    """A request of a reporter that got an unexpected answer (locust counted it as failed)."""


@dataclass
class Schedule:
    """What the reporters of one run share: the plan, the clock, the ledger, the accounts."""

    plan: Plan
    ledger: Ledger
    args: argparse.Namespace
    deadline_at: float  # the end of the sign-in ramp: saving starts
    stop_at: float  # the hard end, whatever is still busy
    rng: random.Random
    accounts: list[tuple[str, int]] = field(default_factory=list)
    left: int = 0  # reporters done (submitted, or refused)

    def __post_init__(self) -> None:
        self.accounts = list(reversed(self.plan.accounts))


class Reporter(HttpUser):
    """One unit's reporter working towards the deadline; ``schedule`` is set per run."""

    abstract = True
    schedule: Schedule

    def on_start(self) -> None:
        schedule = self.schedule
        self.username, self.unit_id = schedule.accounts.pop()
        self.rng = random.Random(schedule.rng.random())
        args = schedule.args
        self.submit_at = schedule.deadline_at + args.duration * self.rng.uniform(0.75, 1.0)
        self.page = f"/cycles/{schedule.plan.cycle_id}/units/{self.unit_id}/"
        self.html: str | None = None  # the unit's page as last seen; None after a failure
        self.saves = 0
        self.last_used = 0.0
        self.html = self._attempt(self._open)
        # Saving starts for everyone after the ramp, so that a save's time is that of a
        # save at the deadline, not of one queued behind sign-ins.
        gevent.sleep(max(0.0, schedule.deadline_at - time.monotonic()))

    def wait_time(self) -> float:
        """About ``think`` seconds, but not past the moment to submit (or the hard end)."""
        now = time.monotonic()
        until = self.submit_at if now < self.submit_at else self.schedule.stop_at
        wake = min(until, now + self.rng.uniform(0.5, 1.5) * self.schedule.args.think)
        return max(0.0, wake - now)

    @task
    def work(self) -> None:
        if self.html is None:
            self.html = self._attempt(self._open)
        elif time.monotonic() >= self.submit_at:
            self.html = self._attempt(self._submit, self.html)
        else:
            self.html = self._attempt(self._save, self.html)

    def _attempt(self, step, *args) -> str | None:
        """``step(*args)``: the page it ends on, or None (the failure noted) if it failed."""
        ledger = self.schedule.ledger
        try:
            return step(*args)
        except StepFailed as exc:  # counted by locust as a failed request
            ledger.errors.append(f"{self.username}: {exc}")
        except (ValueError, KeyError) as exc:  # a page without the form it should have
            ledger.refused(f"{self.username}: {type(exc).__name__}: {exc}")
        return None

    def _request(self, method: str, path: str, name: str, expect: tuple[int, ...], **kwargs):
        # gunicorn closes idle keep-alive connections; a request must not race that close.
        if time.monotonic() - self.last_used > harness.IDLE_RECONNECT:
            self.client.close()
        with self.client.request(
            method,
            path,
            name=name,
            allow_redirects=False,
            catch_response=True,
            timeout=harness.REQUEST_TIMEOUT,
            headers={"Accept-Language": "zh-CN"},
            **kwargs,
        ) as response:
            self.last_used = time.monotonic()
            if response.status_code in expect:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code} {response.error or ''}")
        if response.status_code not in expect:
            raise StepFailed(f"{method} {name}: HTTP {response.status_code} {response.error or ''}")
        return response

    def _follow(self, response) -> str:
        """The page a redirect leads to."""
        location = response.headers["location"]
        return self._request("GET", location, "page", (200,)).text

    def _open(self) -> str:
        """The unit's page; when sent to the login form, sign in and come back."""
        response = self._request("GET", self.page, "page", (200, 302))
        if response.status_code == 200:  # still signed in from an attempt whose answer was lost
            return response.text
        form = self._request("GET", "/auth/login", "login", (200,))
        fields = {
            "csrf_token": harness.csrf_token(form.text),
            "username": self.username,
            "password": harness.PASSWORD,
        }
        self._request("POST", "/auth/login", "login", (302,), data=fields)
        return self._request("GET", self.page, "page", (200,)).text

    def _save(self, html: str) -> str:
        schedule, ledger = self.schedule, self.schedule.ledger
        versions = harness.item_versions(html)
        code, measure = self.rng.choice(schedule.plan.items)
        fields = harness.form_value(measure, self.rng)
        files, sha = None, None
        self.saves += 1
        # A reporter's first save uploads, then one in ``--upload-every``: on a slow machine
        # a short run's reporter may save only once or twice, and must still upload.
        if schedule.args.upload_every and (self.saves - 1) % schedule.args.upload_every == 0:
            tag = f"{self.username}-{self.saves}-{uuid.uuid4().hex}"
            data = harness.evidence_pdf(tag, schedule.args.pdf_kb * 1024)
            files = [("files", (f"佐证材料-{code}-{self.saves}.pdf", data, "application/pdf"))]
            sha = harness.sha256(data)
        post = {"csrf_token": harness.csrf_token(html), "version": str(versions[code]), **fields}
        name = "upload" if files else "save"
        response = self._request(
            "POST", f"{self.page}items/{code}", name, (302,), data=post, files=files
        )
        html = self._follow(response)
        flashes = harness.flashes(html)
        if not any(c == "success" and t.startswith(f"{code} 已保存") for c, t in flashes):
            ledger.refused(f"{self.username} {code} refused: {flashes}")
            return html
        ledger.saves.append((self.unit_id, code, fields, harness.item_versions(html)[code]))
        if sha:
            ledger.uploads.append((self.unit_id, code, sha))
        return html

    def _submit(self, html: str) -> str:
        ledger = self.schedule.ledger
        fields = {"csrf_token": harness.csrf_token(html)}
        response = self._request("POST", f"{self.page}submit", "submit", (302,), data=fields)
        html = self._follow(response)
        if any(c == "success" and "已提交" in t for c, t in harness.flashes(html)):
            ledger.submits.append(self.unit_id)
        else:
            ledger.refused(f"{self.username} submit refused: {harness.flashes(html)}")
        self.schedule.left += 1
        raise StopUser


def run_reporters(plan: Plan, port: int, args: argparse.Namespace) -> tuple[Environment, Phases]:
    """Run the locust users to the end; their statistics, and the ledger in ``phases``."""
    now = time.monotonic()
    ledger = Ledger(started_at=now, deadline_at=now + args.ramp)
    schedule = Schedule(
        plan,
        ledger,
        args,
        deadline_at=ledger.deadline_at,
        # Each request is bounded by REQUEST_TIMEOUT; the run, by the duration and the grace.
        stop_at=ledger.deadline_at + args.duration + args.grace,
        rng=random.Random(args.seed),
    )
    user_class = type("DeadlineReporter", (Reporter,), {"schedule": schedule})
    env = Environment(user_classes=[user_class], host=f"http://127.0.0.1:{port}")
    phases = Phases(ledger)
    env.events.request.add_listener(phases.record)
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.users / max(args.ramp, 0.1))
    while schedule.left < args.users and time.monotonic() < schedule.stop_at:
        gevent.sleep(0.2)
    busy = args.users - schedule.left
    runner.quit()
    if busy:
        ledger.refused(f"{busy} simulated users still busy at the time limit")
    for row in runner.exceptions.values():  # a bug of the simulation itself, not a request
        ledger.refusals += row["count"]
        ledger.errors.append(f"{row['count']} × {row['msg']}")
    return env, phases


# --- figures -------------------------------------------------------------------------------------


class Phases:
    """Locust statistics by phase (sign-in ramp, deadline) and by 10-second window."""

    STEP = 10.0

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.sign_in, self.deadline = RequestStats(), RequestStats()
        self.windows: dict[int, RequestStats] = defaultdict(RequestStats)

    def record(self, request_type, name, response_time, response_length, **_kwargs) -> None:
        at = time.monotonic() - response_time / 1000
        phase = self.sign_in if at < self.ledger.deadline_at else self.deadline
        window = self.windows[int((at - self.ledger.started_at) // self.STEP)]
        for stats in (phase, window):
            stats.log_request(request_type, name, response_time, response_length)

    def timeline(self) -> list[str]:
        """Requests, p50 and p95 by the window they started in (for stderr)."""
        lines = []
        for n, stats in sorted(self.windows.items()):
            total = stats.total
            lines.append(
                f"{n * self.STEP:5.0f}-{(n + 1) * self.STEP:3.0f} s: {total.num_requests:4d} "
                f"requests, p50 {total.get_response_time_percentile(0.5):7.1f} ms, "
                f"p95 {total.get_response_time_percentile(0.95):7.1f} ms"
            )
        return lines


def by_name(stats: RequestStats, *names: str) -> StatsEntry:
    """One entry for the requests named ``names`` (every method)."""
    merged = StatsEntry(stats, "+".join(names), "")
    for (name, _method), entry in stats.entries.items():
        if name in names:
            merged.extend(entry)
    return merged


def report(
    label: str,
    users: int,
    seconds: float,
    env: Environment,
    phases: Phases,
    lost: int,
    chain: int,
) -> list[str]:
    stats, ledger = env.stats, phases.ledger
    total = stats.total
    # A failed request (unexpected status, refused connection, time-out) is an error, and
    # so is a write the app refused with a message, which is an ordinary redirect.
    errors = total.num_failures + ledger.refusals

    def ms(entry: StatsEntry, q: float) -> str:
        return f"{entry.get_response_time_percentile(q / 100) if entry.num_requests else 0:.1f}"

    saves = by_name(stats, "save", "upload")
    return [
        f"# {label}",
        f"load.users: {users}",
        f"load.requests: {total.num_requests}",
        f"load.errors: {errors}",
        f"load.p50_ms: {ms(total, 50)}",
        f"load.p95_ms: {ms(total, 95)}",
        f"load.p99_ms: {ms(total, 99)}",
        f"load.lost_writes: {lost}",
        f"load.seconds: {seconds:.1f}",
        f"load.requests_per_second: {total.num_requests / seconds if seconds else 0:.1f}",
        f"load.saves: {len(ledger.saves)}",
        f"load.uploads: {len(ledger.uploads)}",
        f"load.submits: {len(ledger.submits)}",
        f"load.save_p50_ms: {ms(saves, 50)}",
        f"load.save_p95_ms: {ms(saves, 95)}",
        f"load.save_p99_ms: {ms(saves, 99)}",
        f"load.upload_p95_ms: {ms(by_name(stats, 'upload'), 95)}",
        f"load.page_p95_ms: {ms(by_name(stats, 'page'), 95)}",
        f"load.login_p95_ms: {ms(by_name(stats, 'login'), 95)}",
        f"load.submit_p95_ms: {ms(by_name(stats, 'submit'), 95)}",
        f"load.sign_in_phase_p95_ms: {ms(phases.sign_in.total, 95)}",
        f"load.deadline_phase_p95_ms: {ms(phases.deadline.total, 95)}",
        f"load.audit_problems: {chain}",
    ]


# --- the run ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--think", type=float, default=10.0, help="mean seconds between saves")
    parser.add_argument(
        "--ramp", type=float, default=30.0, help="seconds over which users sign in first"
    )
    parser.add_argument("--upload-every", type=int, default=3, help="one save in N uploads")
    parser.add_argument("--pdf-kb", type=int, default=16, help="padding of each evidence PDF")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default="", help="PostgreSQL server or SQLite URL")
    parser.add_argument(
        "--pool",
        type=int,
        default=0,
        help="PostgreSQL: N pooled connections per worker (postgresql+pool://) instead of "
        "one new connection per request",
    )
    parser.add_argument("--label", default="", help="the '# label' line (default: engine)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="5 users, 1 s ramp, 6 s of saving")
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.duration, args.think, args.ramp = min(args.users, 5), 6.0, 0.05, 1.0
    if not 1 <= args.users <= 500 or not 1 <= args.duration <= 3600 or not 0 <= args.ramp <= 600:
        parser.error("--users must be 1..500, --duration 1..3600 and --ramp 0..600 seconds")
    # Reporters still busy when the run ends get this long to finish and submit.
    args.grace = max(10.0, min(30.0, args.duration / 4))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engine = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    with tempfile.TemporaryDirectory(prefix="assess-load-") as tmp:
        instance = Path(tmp) / "instance"
        dropped = None
        if engine == "postgresql":
            database_url, dropped = harness.postgres_database(args.database_url)
            if args.pool:
                database_url = database_url.replace("postgresql://", "postgresql+pool://", 1)
                database_url += f"?max_connections={args.pool}&stale_timeout=300"
        else:
            database_url = args.database_url or f"sqlite:///{instance}/assess.db"
        try:
            config = harness.app_config(database_url, instance)
            setup_started = time.monotonic()
            plan = harness.build_instance(config, args.users)
            print(f"load: set-up took {time.monotonic() - setup_started:.1f} s", file=sys.stderr)
            port = harness.free_port()
            log = Path(tmp) / "gunicorn.log"
            server = harness.start_gunicorn(config, port, args.workers, args.threads, log)
            try:
                load_before = os.getloadavg()[0]  # what else runs on the machine
                started, cpu = time.monotonic(), time.process_time()
                server_cpu = harness.group_cpu_seconds(server.pid)
                env, phases = run_reporters(plan, port, args)
                seconds = time.monotonic() - started
                server_cpu = harness.group_cpu_seconds(server.pid) - server_cpu
                client_cpu = time.process_time() - cpu
            finally:
                harness.stop_server(server)
            ledger = phases.ledger
            lost, chain, problems = harness.lost_writes(config, plan, ledger)
            for line in phases.timeline():
                print(f"load: {line}", file=sys.stderr)
            for line in ledger.errors[:20] + problems[:20]:
                print(f"load: {line}", file=sys.stderr)
            if len(ledger.errors) > 20:
                print(f"load: … {len(ledger.errors) - 20} more errors", file=sys.stderr)
            server_log = log.read_text(errors="replace")
            if "Traceback" in server_log:
                print(f"load: server log:\n{server_log[-4000:]}", file=sys.stderr)
        finally:
            if dropped:
                harness.drop_postgres_database(args.database_url, dropped)
    lines = report(args.label or engine, args.users, seconds, env, phases, lost, chain)
    lines.append(f"load.host_load_before: {load_before:.2f}")
    lines.append(f"load.client_cpu_seconds: {client_cpu:.1f}")
    lines.append(f"load.server_cpu_seconds: {server_cpu:.1f}")
    requests = env.stats.total.num_requests
    per_request = server_cpu * 1000 / requests if requests else 0.0
    lines.append(f"load.server_cpu_ms_per_request: {per_request:.1f}")
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
