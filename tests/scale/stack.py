"""The deployment the scale test runs against, every part a real process on loopback: one
PostgreSQL database, an S3 bucket on moto's server, a queue (PostgresHuey on the same
database, or RedisHuey), N gunicorn app servers (`assess serve`) and the queue workers
(`assess worker`) started by :meth:`Stack.start_worker`.

Each app server and each worker has an instance folder of its own: nothing they share
goes through a local disk, only through the database, the bucket and the queue, as on
several machines.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import requests

from assess.core import queue
from assess.core.db import database
from tests.conftest import make_app
from tests.loopback import ASSESS, Child, Worker, assess_env, free_port, wait_until
from tests.scale.data import ScaleData

SECRET_KEY = "scale-test-secret"
S3_ACCESS = {"S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test", "S3_REGION": "us-east-1"}


@dataclass(frozen=True)
class Size:
    """How big a run is: the quick one inside `make test`, the full one of `make scaletest`."""

    units: int  # counties and departments in the published cycle: reports per batch
    servers: int  # app servers (gunicorn), each with ...
    web_workers: int  # ... this many worker processes
    queue_workers: int  # worker processes of each `assess worker`
    rounds: int  # how often each assertion runs
    heartbeat_seconds: int  # JOB_HEARTBEAT_SECONDS: a killed worker's job fails after it
    kill_engines: tuple[str, ...]  # the queue engines on which a worker is killed


ENGINES = ("postgres-queue", "redis-queue")
# The quick size keeps `make test` short: one kill, on PostgresHuey (RedisHuey's is also in
# tests/reports/test_report_queue.py). A job's heartbeat is written when a report is done,
# so JOB_HEARTBEAT_SECONDS must outlast the slowest single render, or a live batch is
# declared dead: about 1 s on an idle 2-core machine, up to 8 s seen under a load of 9
# (the full size runs more processes at once). Above that, it is the wait for a failure.
QUICK = Size(
    units=3,
    servers=2,
    web_workers=1,
    queue_workers=1,
    rounds=1,
    heartbeat_seconds=10,
    kill_engines=ENGINES[:1],
)
FULL = Size(
    units=29,
    servers=3,
    web_workers=2,
    queue_workers=2,
    rounds=3,
    heartbeat_seconds=20,
    kill_engines=ENGINES,
)


class AppServer(Child):
    """`assess serve` (gunicorn) on a loopback port."""

    # gunicorn's quick shutdown: at the end of a test no request is in flight, and a
    # graceful one (SIGTERM) would wait for the clients' idle keep-alive connections. To
    # the master alone: it sends its workers SIGQUIT, and a gthread worker that gets a
    # second SIGINT/SIGQUIT while handling the first deadlocks in its thread pool's
    # shutdown until the master kills it after graceful_timeout (30 s; gunicorn 27).
    stop_signal = signal.SIGINT
    signal_group = False

    def __init__(self, name: str, settings: dict, folder: Path, size: Size):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        command = ASSESS + ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(size.web_workers), "--threads", "4"]
        settings = settings | {"ASSESS_INSTANCE": folder / "instance"}
        super().__init__(name, command, folder / "server.log", assess_env(settings))

    def ready(self) -> bool:
        """Whether /health/ready answers 200 (database, store and queue reachable)."""
        if not self.alive():
            raise AssertionError(f"{self.name} exited:\n{self.log_text(4000)}")
        try:
            return requests.get(self.base_url + "/health/ready", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False


@dataclass
class Stack:
    """The processes of one run and the settings they share."""

    engine: str  # one of ENGINES
    settings: dict
    folder: Path
    size: Size
    bucket: str
    servers: list[AppServer] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    others: list[Child] = field(default_factory=list)  # moto's server and the like
    data: ScaleData | None = None  # what tests.scale.data loaded

    def start_servers(self) -> None:
        for n in range(self.size.servers):
            name = "server-" + "ABCDEFGH"[n]
            folder = self.folder / name
            folder.mkdir(parents=True, exist_ok=True)
            self.servers.append(AppServer(name, self.settings, folder, self.size))
        for server in self.servers:
            wait_until(server.ready, seconds=120, what=f"{server.name} ready", every=0.2)

    def start_worker(self) -> Worker:
        """One more `assess worker` process on the shared queue, with its own instance folder
        (two may run side by side; the tests of periodic work will want that)."""
        name = f"worker-{len(self.workers) + 1}"
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        settings = self.settings | {"ASSESS_INSTANCE": folder / "instance"}
        worker = Worker(settings, folder / "worker.log", self.size.queue_workers, name=name)
        self.workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        """Stop every worker (each finishes the task at hand)."""
        for worker in self.workers:
            worker.stop()

    def running_worker(self) -> Worker:
        """A worker that is alive, started if none is."""
        alive = [w for w in self.workers if w.alive()]
        return alive[0] if alive else self.start_worker()

    def s3(self):
        """A boto3 client on the bucket's server, to look behind the app's back."""
        return boto3.client(
            "s3",
            endpoint_url=self.settings["S3_ENDPOINT_URL"],
            aws_access_key_id=S3_ACCESS["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ACCESS["S3_SECRET_ACCESS_KEY"],
            region_name=S3_ACCESS["S3_REGION"],
        )

    @contextlib.contextmanager
    def connected(self) -> Iterator[None]:
        """This process on the stack's database, to look behind the servers' backs."""
        app = make_app(self.settings["DATABASE_URL"], self.folder / "tester")
        with app.app_context():
            database.connect(reuse_if_open=True)
            try:
                yield
            finally:
                database.close()

    def queued_tasks(self) -> int:
        """Tasks waiting on the stack's queue, as its storage counts them."""
        storage_class, kwargs = queue.storage_for(self.settings["QUEUE_URL"], self.folder)
        return storage_class(name=queue.huey.name, **kwargs).queue_size()

    def stop(self) -> None:
        """Every process this stack started, whatever state it is in."""
        children = [*self.workers, *self.servers]
        for child in children:  # all at once: each waits for its requests or its task
            child.signal_stop()
        for child in children:
            child.stop()

    def logs(self) -> list[tuple[str, str]]:
        """(name, end of its log) for every process, for a failure report."""
        return [(c.name, c.log_text()) for c in [*self.servers, *self.workers, *self.others]]
