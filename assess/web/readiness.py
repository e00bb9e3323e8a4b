"""Health checks for monitors and load balancers: ``/health`` and ``/health/ready``.

``/health`` says the process answers (liveness): it reads nothing, so a database outage
never makes a supervisor restart servers that would recover by themselves. ``/health/ready``
says this server can do its work (readiness): each check in ``CHECKS`` runs in a thread of
its own with a short timeout and returns None when all is well or a short problem; a load
balancer sends no traffic to a server whose answer is 503.

Adding a check is one line, next to the code it checks or below:
``register("queue", queue_problem)``, where ``queue_problem(config)`` returns None or a
problem. A check never puts an exception's text in its answer (a connection error may name
hosts or users); the exception goes to the log.

Both endpoints are answered before the request opens a database connection and before the
schema guard: a down database is then a readiness problem in JSON, not an error page.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import peewee
from flask import current_app, g, jsonify, request
from flask_babel import lazy_gettext as _l

from assess.core import queue
from assess.core.db import database
from assess.evidence.storage import EvidenceStore
from assess.ops import migrations

log = logging.getLogger(__name__)

Problem = str | None
CheckFunction = Callable[[Mapping[str, object]], Problem]

DEFAULT_TIMEOUT = 3.0
# Answered before the database is connected (see ``init_app``).
EARLY_ENDPOINTS = frozenset({"main.health", "main.health_ready"})


@dataclass(frozen=True)
class Check:
    """One named readiness check and how long it may take, in seconds."""

    name: str
    run: CheckFunction
    timeout: float = DEFAULT_TIMEOUT


CHECKS: dict[str, Check] = {}


def register(name: str, run: CheckFunction, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Add the check ``name`` (a check of the same name is replaced: a backend that takes
    over, such as object storage, registers its own ``store`` check)."""
    CHECKS[name] = Check(name, run, timeout)


def unregister(name: str) -> None:
    CHECKS.pop(name, None)


def run_checks(config: Mapping[str, object]) -> dict[str, Problem]:
    """Every registered check's problem (None: fine), run side by side; a check that
    raises or outlives its timeout is a problem of its own."""
    results: dict[str, Problem] = {}
    threads = []
    for check in list(CHECKS.values()):
        box: dict[str, Problem] = {}
        thread = threading.Thread(
            target=_run_one, args=(check, config, box), name=f"ready-{check.name}", daemon=True
        )
        thread.start()
        threads.append((check, thread, box))
    for check, thread, box in threads:
        thread.join(check.timeout)
        if thread.is_alive():
            log.error("readiness check %s did not answer in %.1f s", check.name, check.timeout)
            results[check.name] = str(_l("检查超时"))
        else:
            problem = box.get("problem")
            # Translated here, in the request: the check's thread has no app context.
            results[check.name] = None if problem is None else str(problem)
    return results


def _run_one(check: Check, config: Mapping[str, object], box: dict[str, Problem]) -> None:
    try:
        problem = check.run(config)
    except Exception:
        log.exception("readiness check %s failed", check.name)
        problem = _l("检查出错")
    box["problem"] = problem


# --- the checks of this code -------------------------------------------------------------


def database_problem(config: Mapping[str, object]) -> Problem:
    """The database answers a trivial query (on a connection of this thread's own)."""
    try:
        database.connect(reuse_if_open=True)
        try:
            database.execute_sql("SELECT 1").fetchall()
        finally:
            database.close()
    except Exception as exc:
        log.error("readiness: database unreachable: %s", exc)
        return _l("数据库无法连接")
    return None


def schema_problem(config: Mapping[str, object]) -> Problem:
    """The database's schema is this code's (the schema guard refuses pages otherwise)."""
    try:
        database.connect(reuse_if_open=True)
        try:
            problem = migrations.schema_problem()
        finally:
            database.close()
    except (peewee.DatabaseError, peewee.InterfaceError):
        # Unreachable or unreadable: the database check logs why; a monitor polling a down database
        # should not fill the log with a traceback per poll.
        return _l("数据库无法连接")
    if problem:
        log.error("readiness: %s", problem)
        return _l("数据库结构与程序版本不一致")
    return None


def store_problem(config: Mapping[str, object]) -> Problem:
    """The evidence store's folder takes a file and gives the same bytes back."""
    store = EvidenceStore.from_config(config)
    probe_bytes = uuid.uuid4().bytes
    probe = Path(store.tmp) / f"ready-{uuid.uuid4().hex}"
    try:
        store.tmp.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(probe_bytes)
        try:
            same = probe.read_bytes() == probe_bytes
        finally:
            probe.unlink()
    except OSError as exc:
        log.error("readiness: evidence store %s not usable: %s", store.root, exc)
        return _l("证据存储不可读写")
    if not same:
        return _l("证据存储不可读写")
    # The uploads' temporary folder is local whatever the backend; the bytes may be in a
    # bucket, which must answer too.
    try:
        answers = store.reachable()
    except Exception as exc:  # any client error: the store is what is not ready
        log.error("readiness: evidence store backend: %s", exc)
        answers = False
    return None if answers else _l("证据存储不可读写")


def queue_problem(config: Mapping[str, object]) -> Problem:
    """The task queue's storage (SQLite file, PostgreSQL or Redis) answers a count."""
    try:
        queue.huey.pending_count()
    except Exception as exc:  # any driver's error: the queue is what is not ready
        log.error("readiness: task queue not reachable: %s", exc)
        return _l("任务队列无法连接")
    return None


register("database", database_problem)
register("schema", schema_problem)
register("store", store_problem)
register("queue", queue_problem)


# --- the endpoints ---------------------------------------------------------------------------


def alive():
    """200 while the process answers; reads nothing."""
    return jsonify(status="alive")


def ready():
    """200 ``{"status": "ready", "checks": {name: "ok"}}``, or 503 with every check's
    answer and the failing ones named under ``failing``."""
    results = run_checks(current_app.config)
    failing = sorted(name for name, problem in results.items() if problem is not None)
    checks = {name: problem or "ok" for name, problem in sorted(results.items())}
    if failing:
        response = jsonify(status="unavailable", checks=checks, failing=failing)
        response.status_code = 503
        return response
    return jsonify(status="ready", checks=checks)


def init_app(app) -> None:
    """Answer the health endpoints before the database is connected (register it before
    ``db.init_app``); the rest of the request (headers, the request log) is as usual."""

    @app.before_request
    def _answer_health_first():
        if request.endpoint in EARLY_ENDPOINTS:
            # Translated without the signed-in user's language: that would read the database.
            g.bare_page = True
            return app.view_functions[request.endpoint]()
        return None
