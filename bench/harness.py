"""What the load test (bench/load.py) and the fault tests stand on, without its load generator.

The instance of a load run (``assess init``, ``assess demo --units-only``, load units with one
reporter account each, an open cycle in which every unit has entered its values as drafts),
gunicorn on loopback in its own process group, the pages' forms read from their HTML, and
the ledger of acknowledged writes with its check against the database afterwards. Nothing
here imports gevent or locust, so tests import it without monkey-patching their process.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

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
# The self-report page is one form; each editable item carries its version as version-<code>.
_VERSION_INPUT = re.compile(r'<input[^>]*name="version-([^"]+)"[^>]*value="(\d+)"')


# --- the pages' forms -----------------------------------------------------------------------


def csrf_token(html: str) -> str:
    """The form's CSRF token; ValueError when the page has none."""
    match = _CSRF_INPUT.search(html)
    value = _VALUE_ATTR.search(match.group()) if match else None
    if value is None:
        raise ValueError("no CSRF token in the page")
    return value.group(1)


def flashes(html: str) -> list[tuple[str, str]]:
    """The page's flash messages as (category, text)."""
    return [(c, unescape(t).strip()) for c, t in _FLASH.findall(html)]


def item_versions(html: str) -> dict[str, int]:
    """Indicator code -> the version in its (still editable) self-report form."""
    return {unescape(code): int(version) for code, version in _VERSION_INPUT.findall(html)}


def evidence_pdf(tag: str, pad_bytes: int = 0) -> bytes:
    """A small valid PDF whose bytes are unique to ``tag`` (so its SHA-256 names one upload)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"佐证材料 {tag}", "/Subject": "x" * pad_bytes})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the instance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the simulated reporters work on."""

    cycle_id: int
    accounts: list[tuple[str, int]]  # (username, unit id)
    items: list[tuple[str, str]]  # (indicator code, measure), in set order


def app_config(database_url: str, instance: Path) -> dict[str, str]:
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


# --- the acknowledged writes ------------------------------------------------------------------


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


# --- a PostgreSQL database per run ------------------------------------------------------------------


def postgres_database(server_url: str) -> tuple[str, str]:
    """Create a fresh database on the server of ``server_url``; return (its URL, its name)."""
    import psycopg2

    name = f"assess_load_{uuid.uuid4().hex[:8]}"
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return server_url.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres_database(server_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()
