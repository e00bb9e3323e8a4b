"""Load test (压力测试) of the self-report deadline (SPEC §7, run by ``make loadtest``).

Builds its own instance: ``assess init`` and ``assess demo --units-only`` through the real
command, then ``--users`` extra county units with one reporter account each, and an open
cycle on the shipped set ``zz-2012-county`` in which every unit has already entered all
its values as drafts (the weeks before the deadline), all through the domain functions.
Starts gunicorn (``--workers`` processes × ``--threads`` threads) on loopback against it
and lets one simulated reporter per account, each in its own thread, do what a unit does
on the last day. First they sign in, spread over ``--ramp`` seconds (the CSRF token read
from the form, as on every form after; the server hashes passwords with the production
argon2 parameters, the dearest request of the app). Then, for ``--duration`` seconds,
each revises values, waiting ``--think`` seconds on average between two saves (one save
in ``--upload-every`` also uploads a small, unique PDF), submits at a random moment of
the last quarter and leaves. A reporter whose request fails waits, reloads the page and
goes on.

Afterwards, with the server stopped, every write the server acknowledged (a redirect that
showed the success message) is looked up: each save by the audit entry that recorded its
version and value, the last save of each item in ``Submission``, each upload in
``Evidence`` and in the store (the file's SHA-256 must equal its name), each submission
in the items' status. Anything missing is a lost write.

Prints, one ``name: value`` a line, after a ``# <engine>`` line: ``load.users``,
``load.requests``, ``load.errors``, ``load.p50_ms``, ``load.p95_ms``, ``load.p99_ms``
(every request), ``load.lost_writes``; then, for reading the figures, the save requests'
own percentiles (``load.save_p95_ms`` …), the sign-in and page percentiles, throughput
the audit-chain check, the machine's load average before the run, the CPU time the
simulated users took themselves (both skew the figures on a small machine) and the CPU
time of the gunicorn processes per request (what the app costs, whatever else runs; a
PostgreSQL server's own time is not in it). Error details go to stderr.

``--database-url`` takes a PostgreSQL server URL (a fresh database is created on it and
dropped afterwards) or a SQLite URL; the default is a SQLite file in a temporary folder.
``--quick`` runs 5 users for 6 seconds after a 1-second ramp. Loopback only: the server binds 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.client
import io
import json
import os
import random
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INDICATOR_SET = "zz-2012-county"
PASSWORD = "Load@2026!"  # noqa: S105 (throw-away accounts of a throw-away instance)
GRADES = ("优", "良", "中", "差")
REQUEST_TIMEOUT = 30.0
# gunicorn closes an idle keep-alive connection after KEEP_ALIVE seconds; the client opens
# a new one well before that, so a request is never sent into a connection being closed.
KEEP_ALIVE = 5
IDLE_RECONNECT = KEEP_ALIVE - 1.5

_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE_ATTR = re.compile(r'value="([^"]*)"')
_FLASH = re.compile(r'<div class="flash flash-(\w+)"[^>]*>(.*?)</div>', re.S)
_ITEM_FORM = re.compile(
    r'<form[^>]*action="[^"]*/items/([^"/]+)"[^>]*>(.*?)</form>',
    re.S,
)
_VERSION_INPUT = re.compile(r'<input[^>]*name="version"[^>]*value="(\d+)"')


# --- a minimal browser --------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    ms: float

    @functools.cached_property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        """The path (and query) a redirect points to; '' for other responses."""
        target = self.headers.get("location", "")
        parts = urlsplit(target)
        return parts.path + (f"?{parts.query}" if parts.query else "") if target else ""

    def flashes(self) -> list[tuple[str, str]]:
        """The page's flash messages as (category, text)."""
        return [(c, unescape(t).strip()) for c, t in _FLASH.findall(self.text)]

    def csrf_token(self) -> str:
        match = _CSRF_INPUT.search(self.text)
        value = _VALUE_ATTR.search(match.group()) if match else None
        if value is None:
            raise ValueError(f"no CSRF token in the page (status {self.status})")
        return value.group(1)

    def item_versions(self) -> dict[str, int]:
        """Indicator code -> the version in its (still editable) self-report form."""
        versions = {}
        for code, body in _ITEM_FORM.findall(self.text):
            match = _VERSION_INPUT.search(body)
            if match:
                versions[unescape(code)] = int(match.group(1))
        return versions


@dataclass(frozen=True)
class Sample:
    """One request as the client saw it: what it was, how long it took, whether it worked,
    and when it started (``time.monotonic()``)."""

    kind: str
    ms: float
    ok: bool
    at: float = 0.0


class Browser:
    """One user agent on loopback: a keep-alive connection, a cookie jar, timings.

    Every request is appended to ``samples`` (a list shared by all browsers; appending is
    atomic). Network failures raise ``OSError`` or ``http.client.HTTPException``.
    """

    def __init__(self, port: int, samples: list[Sample] | None = None) -> None:
        self.port = port
        self.samples = samples if samples is not None else []
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None
        self._last_used = 0.0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> http.client.HTTPConnection:
        conn = self._conn
        if conn is not None and conn.sock is not None:
            idle = time.monotonic() - self._last_used
            # Readable while idle means the server has closed it (EOF is pending).
            readable = select.select([conn.sock], [], [], 0)[0]
            if idle > IDLE_RECONNECT or readable:
                self.close()
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        return self._conn

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str | None = None,
        kind: str = "page",
        expect: tuple[int, ...] = (200,),
    ) -> Response:
        headers = {"User-Agent": "assess-load/1", "Accept-Language": "zh-CN"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        start, at = time.perf_counter(), time.monotonic()
        try:
            conn = self._connection()
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            body = raw.read()
        except (OSError, http.client.HTTPException):
            self.close()
            self.samples.append(Sample(kind, (time.perf_counter() - start) * 1000, False, at))
            raise
        ms = (time.perf_counter() - start) * 1000
        self._last_used = time.monotonic()
        if raw.getheader("connection", "").lower() == "close":
            self.close()
        for header, value in raw.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie = rest.split(";", 1)[0]
                if cookie and "expires=thu, 01 jan 1970" not in value.lower():
                    self.cookies[name.strip()] = cookie
                else:
                    self.cookies.pop(name.strip(), None)
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, body, ms)
        self.samples.append(Sample(kind, ms, raw.status in expect, at))
        return response

    def get(self, path: str, kind: str = "page") -> Response:
        return self.request("GET", path, kind=kind)

    def post(
        self,
        path: str,
        fields: dict[str, str],
        files: list[tuple[str, str, bytes]] = (),
        kind: str = "post",
    ) -> Response:
        """POST a form (multipart when ``files`` — (field, name, bytes) — are given)."""
        if files:
            body, content_type = multipart(fields, files)
        else:
            body = urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request("POST", path, body, content_type, kind=kind, expect=(302,))

    def login(self, username: str, password: str) -> Response:
        """Sign in through the login form; return the redirect (302 on success)."""
        page = self.get("/auth/login", kind="login")
        fields = {"csrf_token": page.csrf_token(), "username": username, "password": password}
        return self.post("/auth/login", fields, kind="login")


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(f"{value}\r\n".encode())
    for name, filename, data in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def evidence_pdf(tag: str, pad_bytes: int = 0) -> bytes:
    """A small valid PDF whose bytes are unique to ``tag`` (so its SHA-256 names one upload)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"佐证材料 {tag}", "/Subject": "x" * pad_bytes})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the instance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the simulated reporters work on."""

    cycle_id: int
    accounts: list[tuple[str, int]]  # (username, unit id)
    items: list[tuple[str, str]]  # (indicator code, measure), in set order


def _app_config(database_url: str, instance: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "ASSESS_INSTANCE": str(instance),
        "SECRET_KEY": "load-test-" + uuid.uuid4().hex,
    }


def build_instance(config: dict[str, str], users: int) -> Plan:
    """``assess init``, ``assess demo --units-only``, then the load units, accounts, cycle.

    The two commands run in this process (the command line's own code, on the instance
    named by the environment) so that every account of the run is made with a cheap
    password hash; the server hashes with the production parameters, and rehashes each
    account at its first sign-in, so signing in costs what it costs in production.
    """
    from argon2 import PasswordHasher

    from assess import create_app
    from assess.accounts import users as accounts
    from assess.accounts.models import User
    from assess.cli.main import main as command_line
    from assess.core.db import database
    from assess.cycles import lifecycle as cycles
    from assess.cycles import submissions
    from assess.units import tree
    from assess.units.models import Unit
    from indicators import shipped_sets

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    os.environ.update(config)
    for command in (["init"], ["demo", "--units-only"]):
        with contextlib.redirect_stdout(io.StringIO()):  # stdout carries the figures only
            command_line.main(command, standalone_mode=False)
    app = create_app(dict(config))
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            admin = User.get(User.username == "admin")
            city = Unit.get(Unit.kind == "city")
            made = []
            with database.atomic():
                for n in range(1, users + 1):
                    code = f"load-{n:03d}"
                    unit = tree.create_unit(code, f"压测单位{n:03d}", "county", city)
                    user = accounts.create_user(code, PASSWORD, "reporter", unit, actor=admin)
                    made.append((code, unit.id, user))
            text = shipped_sets()[INDICATOR_SET].read_text("utf-8")
            cycle = cycles.create_cycle(
                2026, "压力测试周期", text, f"{INDICATOR_SET}.yaml", actor=admin
            )
            cycles.transition(cycle, "open", admin)
            parsed = cycles.indicator_set(cycle)
            items = [(i.code, i.measure) for i in parsed.applicable("load-001", "county")]
            # The deadline: every unit has entered its values as drafts in the weeks before
            # and now revises them, adds evidence and submits.
            rng = random.Random(users)
            with database.atomic():
                for _code, unit_id, user in made:
                    unit = Unit.get_by_id(unit_id)
                    for code, measure in items:
                        indicator = parsed.indicator(code)
                        fields = form_value(measure, rng)
                        value = submissions.value_text_from_form(
                            indicator,
                            fields.get("value", ""),
                            fields.get("numerator", ""),
                            fields.get("denominator", ""),
                        )
                        submissions.save_value(cycle, unit, code, value, "", None, user)
            made = [(code, unit_id) for code, unit_id, _user in made]
            return Plan(cycle.id, made, items)
        finally:
            database.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    config: dict[str, str], port: int, workers: int, threads: int, log: Path
) -> subprocess.Popen:
    """gunicorn serving ``assess:create_app()`` on 127.0.0.1:port; waits for /health."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--keep-alive",
        str(KEEP_ALIVE),
        "--timeout",
        "120",
        "assess:create_app()",
    ]
    with log.open("ab") as out:
        server = subprocess.Popen(
            command,
            env=os.environ | config,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_healthy(port, server)
    return server


def wait_healthy(port: int, server: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become healthy")


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of the live processes of a process group (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process has ended
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp … utime stime
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def stop_server(server: subprocess.Popen, seconds: float = 30.0) -> None:
    """Graceful stop (SIGTERM to the group, so workers finish what they serve)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(seconds)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- the simulated reporters ------------------------------------------------------------------


@dataclass
class Ledger:
    """What the server acknowledged, to be found in the database afterwards."""

    saves: list[tuple[int, str, dict[str, str], int]] = field(default_factory=list)
    uploads: list[tuple[int, str, str]] = field(default_factory=list)  # unit, code, sha256
    submits: list[int] = field(default_factory=list)  # unit ids
    # Writes the app refused and other failures not seen as a failed request.
    refusals: int = 0
    started_at: float = 0.0  # time.monotonic() of the run's start
    deadline_at: float = 0.0  # … and of the end of the sign-in ramp
    errors: list[str] = field(default_factory=list)  # what went wrong, for stderr

    def refused(self, message: str) -> None:
        self.refusals += 1
        self.errors.append(message)


def form_value(measure: str, rng: random.Random) -> dict[str, str]:
    """Form fields for a plausible value of ``measure``."""
    if measure == "rate":
        denominator = rng.randint(50, 2000)
        return {"numerator": str(rng.randint(0, denominator)), "denominator": str(denominator)}
    if measure == "grade":
        return {"value": rng.choice(GRADES)}
    if measure == "boolean":
        return {"value": rng.choice(("是", "否"))}
    if measure == "amount":
        return {"value": f"{rng.randint(0, 10**6)}.{rng.randint(0, 99):02d}"}
    return {"value": str(rng.randint(0, 500))}


@dataclass
class Reporter:
    """One unit's reporter working towards the deadline.

    Like a person at a browser, a reporter whose request failed (an error page, a refused
    connection, a time-out) waits, reloads the page and goes on; each failure counts once.
    """

    username: str
    unit_id: int
    plan: Plan
    browser: Browser
    ledger: Ledger
    rng: random.Random
    think: float
    upload_every: int
    pdf_pad: int
    saves: int = 0

    @property
    def page(self) -> str:
        return f"/cycles/{self.plan.cycle_id}/units/{self.unit_id}/"

    def run(self, sign_in_at: float, deadline_at: float, submit_at: float, stop_at: float) -> None:
        """Sign in at ``sign_in_at``; from ``deadline_at`` save until ``submit_at``, submit."""
        try:
            time.sleep(max(0.0, sign_in_at - time.monotonic()))
            page = self._until_ok(self._sign_in, submit_at)
            time.sleep(max(0.0, deadline_at - time.monotonic()))
            while page is not None and time.monotonic() < submit_at:
                self._pause(submit_at)
                page = self._try(self._save, page) or self._until_ok(self._reload, submit_at)
            if page is not None:
                self._try(self._submit, page) or self._until_ok(
                    lambda: self._submit(self._reload()), stop_at
                )
        finally:
            self.browser.close()

    def _try(self, step, *args) -> Response | None:
        """``step(*args)``: the page it ends on, or None (the failure noted) if it failed."""
        try:
            return step(*args)
        except (OSError, http.client.HTTPException) as exc:  # counted as a failed request
            self.ledger.errors.append(f"{self.username}: {type(exc).__name__}: {exc}")
        except StepFailed as exc:  # counted as a failed request already
            self.ledger.errors.append(f"{self.username}: {exc}")
        except (ValueError, KeyError) as exc:  # a page without the form it should have
            self.ledger.refused(f"{self.username}: {type(exc).__name__}: {exc}")
        return None

    def _until_ok(self, step, until: float) -> Response | None:
        """Try ``step`` again after a pause until it works or ``until`` passes."""
        while True:
            page = self._try(step)
            if page is not None or time.monotonic() >= until:
                return page
            self._pause(until)

    def _reload(self) -> Response:
        return self._page(self.browser.get(self.page))

    def _pause(self, until: float) -> None:
        """Think for about ``think`` seconds, but not past ``until``."""
        wake = min(until, time.monotonic() + self.rng.uniform(0.5, 1.5) * self.think)
        time.sleep(max(0.0, wake - time.monotonic()))

    def _sign_in(self) -> Response:
        """Open the unit's page; when sent to the login form, sign in and come back."""
        page = self.browser.request("GET", self.page, expect=(200, 302))
        if page.status == 200:  # still signed in from an attempt whose answer was lost
            return page
        signed_in = self.browser.login(self.username, PASSWORD)
        if signed_in.status != 302:
            raise StepFailed(f"sign-in refused: {signed_in.status} {signed_in.flashes()}")
        return self._reload()

    def _page(self, page: Response) -> Response:
        if page.status != 200:
            raise StepFailed(f"page: HTTP {page.status}")
        return page

    def _save(self, page: Response) -> Response:
        versions = page.item_versions()
        code, measure = self.rng.choice(self.plan.items)
        fields = form_value(measure, self.rng)
        files, sha = [], None
        self.saves += 1
        if self.upload_every and self.saves % self.upload_every == 0:
            data = evidence_pdf(f"{self.username}-{self.saves}-{uuid.uuid4().hex}", self.pdf_pad)
            files = [("files", f"佐证材料-{code}-{self.saves}.pdf", data)]
            sha = _sha256(data)
        post = {"csrf_token": page.csrf_token(), "version": str(versions[code]), **fields}
        kind = "upload" if files else "save"
        response = self.browser.post(f"{self.page}items/{code}", post, files, kind=kind)
        if response.status != 302:
            raise StepFailed(f"{code}: HTTP {response.status}")
        page = self._page(self.browser.get(response.location, kind="page"))
        flashes = page.flashes()
        if not any(c == "success" and t.startswith(f"{code} 已保存") for c, t in flashes):
            self.ledger.refused(f"{self.username} {code} refused: {flashes}")
            return page
        self.ledger.saves.append((self.unit_id, code, fields, page.item_versions()[code]))
        if sha:
            self.ledger.uploads.append((self.unit_id, code, sha))
        return page

    def _submit(self, page: Response) -> Response:
        response = self.browser.post(
            f"{self.page}submit", {"csrf_token": page.csrf_token()}, kind="submit"
        )
        if response.status != 302:
            raise StepFailed(f"submit: HTTP {response.status}")
        page = self._page(self.browser.get(response.location, kind="page"))
        if any(c == "success" and "已提交" in t for c, t in page.flashes()):
            self.ledger.submits.append(self.unit_id)
        else:
            self.ledger.refused(f"{self.username} submit refused: {page.flashes()}")
        return page


class StepFailed(Exception):
    """A step of a reporter that got an unexpected answer (already counted as an error)."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_reporters(plan: Plan, port: int, args: argparse.Namespace) -> tuple[list[Sample], Ledger]:
    samples: list[Sample] = []
    ledger = Ledger()
    rng = random.Random(args.seed)
    now = time.monotonic()
    # Sign-ins are spread over the ramp; the deadline's saving starts after it, so that a
    # save's time is that of a save at the deadline, not of one queued behind sign-ins.
    deadline = now + args.ramp
    ledger.started_at, ledger.deadline_at = now, deadline
    # Each request is bounded by REQUEST_TIMEOUT; the run, by the duration and the grace.
    stop_at = deadline + args.duration + args.grace
    threads = []
    for username, unit_id in plan.accounts:
        reporter = Reporter(
            username,
            unit_id,
            plan,
            Browser(port, samples),
            ledger,
            random.Random(rng.random()),
            args.think,
            args.upload_every,
            args.pdf_kb * 1024,
        )
        sign_in_at = now + rng.uniform(0, args.ramp)
        submit_at = deadline + args.duration * rng.uniform(0.75, 1.0)
        thread = threading.Thread(
            target=reporter.run, args=(sign_in_at, deadline, submit_at, stop_at), daemon=True
        )
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(max(0.0, stop_at - time.monotonic()))
    hung = sum(thread.is_alive() for thread in threads)
    if hung:
        ledger.refused(f"{hung} simulated users still busy at the time limit")
    return list(samples), ledger


# --- checking the acknowledged writes ---------------------------------------------------------


def lost_writes(config: dict[str, str], plan: Plan, ledger: Ledger) -> tuple[int, int, list[str]]:
    """(lost writes, audit-chain problems, descriptions) for what the server acknowledged."""
    from assess import create_app
    from assess.core import audit
    from assess.core.db import database
    from assess.core.models import AuditEntry
    from assess.cycles.lifecycle import indicator_set
    from assess.cycles.models import Cycle, Submission
    from assess.cycles.submissions import normalise_value, value_text_from_form
    from assess.evidence.models import Evidence
    from assess.evidence.storage import EvidenceStore

    app = create_app(dict(config))
    problems: list[str] = []
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            cycle = Cycle.get_by_id(plan.cycle_id)
            parsed = indicator_set(cycle)
            subs = {
                (s.unit_id, s.indicator_code): s
                for s in Submission.select().where(Submission.cycle == cycle)
            }
            recorded = set()
            for entry in AuditEntry.select().where(AuditEntry.action == "submission.save"):
                after = json.loads(entry.after)
                recorded.add((entry.entity_id, after.get("version"), after.get("value_text")))
            last: dict[tuple[int, str], tuple[str, int]] = {}
            for unit_id, code, fields, version in ledger.saves:
                indicator = parsed.indicator(code)
                text = normalise_value(
                    indicator,
                    value_text_from_form(
                        indicator,
                        fields.get("value", ""),
                        fields.get("numerator", ""),
                        fields.get("denominator", ""),
                    ),
                )
                sub = subs.get((unit_id, code))
                if sub is None or (str(sub.id), version, text) not in recorded:
                    problems.append(f"save unit {unit_id} {code} v{version} {text!r} not found")
                previous = last.get((unit_id, code))
                if previous is None or version > previous[1]:
                    last[(unit_id, code)] = (text, version)
            for (unit_id, code), (text, version) in last.items():
                sub = subs.get((unit_id, code))
                # A save whose answer was lost (a time-out) may have landed after this one.
                if (
                    sub is None
                    or sub.version < version
                    or (sub.version == version and sub.value_text != text)
                ):
                    problems.append(f"item unit {unit_id} {code}: expected {text!r} v{version}")
            store = EvidenceStore.from_config(app.config)
            evidence = {
                (e.unit_id, e.submission_id, e.sha256)
                for e in Evidence.select().where(Evidence.unit.in_([u for _, u in plan.accounts]))
            }
            for unit_id, code, sha in ledger.uploads:
                sub = subs.get((unit_id, code))
                if sub is None or (unit_id, sub.id, sha) not in evidence:
                    problems.append(f"upload unit {unit_id} {code} {sha[:12]} has no Evidence row")
                elif not store.exists(sha) or _file_sha(store.path_for(sha)) != sha:
                    problems.append(f"upload {sha[:12]} missing or damaged in the store")
            for unit_id in ledger.submits:
                pending = [
                    s.indicator_code
                    for (u, _), s in subs.items()
                    if u == unit_id and s.status not in ("submitted", "verified")
                ]
                if pending:
                    problems.append(f"submit unit {unit_id}: {pending} not submitted")
            chain = audit.verify()
        finally:
            database.close()
    return len(problems), len(chain), problems


def _file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- figures -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timeline(samples: list[Sample], ledger: Ledger, step: float = 10.0) -> list[str]:
    """Requests, p50 and p95 by the ``step``-second window they started in (for stderr)."""
    windows = defaultdict(list)
    for s in samples:
        windows[int((s.at - ledger.started_at) // step)].append(s.ms)
    return [
        f"{n * step:5.0f}-{(n + 1) * step:3.0f} s: {len(v):4d} requests, "
        f"p50 {percentile(v, 50):7.1f} ms, p95 {percentile(v, 95):7.1f} ms"
        for n, v in sorted(windows.items())
    ]


def report(
    label: str,
    users: int,
    seconds: float,
    samples: list[Sample],
    ledger: Ledger,
    lost: int,
    chain: int,
) -> list[str]:
    everything = [s.ms for s in samples]
    saves = [s.ms for s in samples if s.kind in ("save", "upload")]
    # A failed request (unexpected status, refused connection, time-out) is an error, and
    # so is a write the app refused with a message, which is an ordinary redirect.
    errors = sum(not s.ok for s in samples) + ledger.refusals

    def ms(values: list[float], q: float) -> str:
        return f"{percentile(values, q):.1f}"

    by_kind = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s.ms)
    signing_in = [s.ms for s in samples if s.at < ledger.deadline_at]
    deadline = [s.ms for s in samples if s.at >= ledger.deadline_at]
    return [
        f"# {label}",
        f"load.users: {users}",
        f"load.requests: {len(samples)}",
        f"load.errors: {errors}",
        f"load.p50_ms: {ms(everything, 50)}",
        f"load.p95_ms: {ms(everything, 95)}",
        f"load.p99_ms: {ms(everything, 99)}",
        f"load.lost_writes: {lost}",
        f"load.seconds: {seconds:.1f}",
        f"load.requests_per_second: {len(samples) / seconds if seconds else 0:.1f}",
        f"load.saves: {len(ledger.saves)}",
        f"load.uploads: {len(ledger.uploads)}",
        f"load.submits: {len(ledger.submits)}",
        f"load.save_p50_ms: {ms(saves, 50)}",
        f"load.save_p95_ms: {ms(saves, 95)}",
        f"load.save_p99_ms: {ms(saves, 99)}",
        f"load.upload_p95_ms: {ms(by_kind['upload'], 95)}",
        f"load.page_p95_ms: {ms(by_kind['page'], 95)}",
        f"load.login_p95_ms: {ms(by_kind['login'], 95)}",
        f"load.submit_p95_ms: {ms(by_kind['submit'], 95)}",
        f"load.sign_in_phase_p95_ms: {ms(signing_in, 95)}",
        f"load.deadline_phase_p95_ms: {ms(deadline, 95)}",
        f"load.audit_problems: {chain}",
    ]


# --- the run ---------------------------------------------------------------------------------------


def _postgres_database(server_url: str) -> tuple[str, str]:
    """Create a fresh database on the server of ``server_url``; return (its URL, its name)."""
    import psycopg2

    name = f"assess_load_{uuid.uuid4().hex[:8]}"
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return server_url.rsplit("/", 1)[0] + "/" + name, name


def _drop_postgres_database(server_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


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
    if not 1 <= args.users <= 500 or not 1 <= args.duration <= 3600:
        parser.error("--users must be 1..500 and --duration 1..3600 seconds")
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
            database_url, dropped = _postgres_database(args.database_url)
            if args.pool:
                database_url = database_url.replace("postgresql://", "postgresql+pool://", 1)
                database_url += f"?max_connections={args.pool}&stale_timeout=300"
        else:
            database_url = args.database_url or f"sqlite:///{instance}/assess.db"
        try:
            config = _app_config(database_url, instance)
            setup_started = time.monotonic()
            plan = build_instance(config, args.users)
            print(f"load: set-up took {time.monotonic() - setup_started:.1f} s", file=sys.stderr)
            port = free_port()
            server = start_gunicorn(
                config, port, args.workers, args.threads, Path(tmp) / "gunicorn.log"
            )
            try:
                load_before = os.getloadavg()[0]  # what else runs on the machine
                started, cpu = time.monotonic(), time.process_time()
                server_cpu = group_cpu_seconds(server.pid)
                samples, ledger = run_reporters(plan, port, args)
                seconds = time.monotonic() - started
                server_cpu = group_cpu_seconds(server.pid) - server_cpu
                client_cpu = time.process_time() - cpu
            finally:
                stop_server(server)
            lost, chain, problems = lost_writes(config, plan, ledger)
            for line in timeline(samples, ledger):
                print(f"load: {line}", file=sys.stderr)
            for line in ledger.errors[:20] + problems[:20]:
                print(f"load: {line}", file=sys.stderr)
            if len(ledger.errors) > 20:
                print(f"load: … {len(ledger.errors) - 20} more errors", file=sys.stderr)
            log = (Path(tmp) / "gunicorn.log").read_text(errors="replace")
            if "Traceback" in log:
                print(f"load: server log:\n{log[-4000:]}", file=sys.stderr)
        finally:
            if dropped:
                _drop_postgres_database(args.database_url, dropped)
    lines = report(args.label or engine, args.users, seconds, samples, ledger, lost, chain)
    lines.append(f"load.host_load_before: {load_before:.2f}")
    lines.append(f"load.client_cpu_seconds: {client_cpu:.1f}")
    lines.append(f"load.server_cpu_seconds: {server_cpu:.1f}")
    per_request = server_cpu * 1000 / len(samples) if samples else 0.0
    lines.append(f"load.server_cpu_ms_per_request: {per_request:.1f}")
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
