"""Real servers on loopback for the tests: free ports, waiting for a condition, Debian's
redis-server, and `assess` commands (a worker, an app server) as child processes.

Each child runs in a process group of its own, so a kill reaches what it forked (the
queue consumer's workers, gunicorn's workers), and writes to a log file the tests show
when they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The `assess` command of this checkout (the venv's entry point may belong to another one).
ASSESS = [sys.executable, "-c", "from assess.cli.main import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, seconds: float = 180, what: str = "the condition", every: float = 0.1):
    """The first true value of ``predicate()``; AssertionError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what} did not get there in {seconds} s")


class Child:
    """A command in a process group of its own, its output in ``log_path``."""

    def __init__(self, name: str, command: list[str], log_path: Path, env: dict | None = None):
        self.name = name
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """kill -9, the whole group: the command and everything it forked."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    stop_signal = signal.SIGTERM
    stop_seconds = 60  # how long stop() waits before SIGKILL
    signal_group = True  # stop_signal to the whole group, else to the command alone

    def signal_stop(self) -> None:
        """Ask the command to stop (``stop_signal``), without waiting."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                if self.signal_group:
                    os.killpg(self.process.pid, self.stop_signal)
                else:
                    os.kill(self.process.pid, self.stop_signal)

    def stop(self) -> None:
        """``stop_signal``, then SIGKILL to the group if it has not ended in
        ``stop_seconds``; closes the log."""
        if self.alive():
            self.signal_stop()
            try:
                self.process.wait(self.stop_seconds)
            except subprocess.TimeoutExpired:
                self.kill()
        # Whatever it forked and left behind in its group goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if not self._log.closed:
            self._log.close()

    def log_text(self, limit: int = 20000) -> str:
        """The end of the log (``limit`` characters), for a failure report."""
        try:
            text = self.log_path.read_text("utf-8", errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return text if len(text) <= limit else "…" + text[-limit:]


def assess_env(settings: dict[str, object]) -> dict[str, str]:
    """The environment of an `assess` child: this checkout importable, ``settings`` set."""
    env = dict(os.environ)
    env.update({key: str(value) for key, value in settings.items()})
    env["PYTHONPATH"] = str(ROOT)
    return env


class Worker(Child):
    """`assess worker --workers N`; stopped with SIGINT (huey finishes the task at hand)."""

    stop_signal = signal.SIGINT

    def __init__(self, settings: dict, log_path: Path, workers: int = 1, name: str = "worker"):
        command = ASSESS + ["worker", "--workers", str(workers)]
        super().__init__(name, command, log_path, assess_env(settings))


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Debian's redis-server on a free loopback port, no disk writes; yields its URL and
    stops it at the end."""
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("redis-server missing: run scripts/install-system.sh test")
    port = free_port()
    child = Child(
        "redis-server",
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
        + ["--dir", str(folder)],
        Path(folder) / "redis.log",
    )
    try:
        wait_until(lambda: redis_answers(port), seconds=30, what="redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        child.stop()
