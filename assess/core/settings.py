"""Every configuration key Assess reads, with its default and why it exists.

Each key can be overridden from the environment (same name) or by the ``config`` mapping
passed to ``create_app``. ``docs`` tests check that each key is documented in the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str

    def from_env(self) -> object:
        raw = os.environ.get(self.name)
        if raw is None:
            return self.default
        if isinstance(self.default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(raw)
        return raw


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ASSESS_INSTANCE",
        "instance",
        "Folder for the SQLite database, evidence files, generated reports and the secret key.",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "peewee db_url; empty means sqlite:///<ASSESS_INSTANCE>/assess.db. "
        "postgresql://user:pass@host:port/db for PostgreSQL.",
    ),
    Setting(
        "SECRET_KEY",
        "",
        "Signs sessions and CSRF tokens. Empty on SQLite: generated once into "
        "<instance>/secret_key. Required on PostgreSQL (every server must share it).",
    ),
    Setting(
        "AUDIT_KEY",
        "",
        "Keys the audit chain (HMAC-SHA256), so that whoever can write the database cannot "
        "rewrite the log unseen; kept outside the database. Empty: derived from SECRET_KEY "
        "(set it explicitly before changing SECRET_KEY, or the existing chain stops "
        "verifying). Every server of one instance must share it.",
    ),
    Setting(
        "HTTPS",
        False,
        "Served over HTTPS (behind TLS): cookies are sent over HTTPS only and browsers are "
        "told to use HTTPS for a year (HSTS).",
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        False,
        "Older name kept for existing instances: true has the same effect as HTTPS.",
    ),
    Setting(
        "LOGIN_MAX_FAILURES",
        5,
        "Failed sign-ins for one account from one address before that pair is locked.",
    ),
    Setting(
        "LOGIN_ACCOUNT_MAX_FAILURES",
        20,
        "Failed sign-ins for one account from any address before the account is locked.",
    ),
    Setting(
        "LOGIN_ADDRESS_MAX_FAILURES",
        100,
        "Failed sign-ins from one address, any account, before the address is locked "
        "(high: a county's staff may share one address behind NAT or a proxy).",
    ),
    Setting(
        "LOGIN_LOCK_MINUTES",
        15,
        "How long a lock lasts, and the quiet time after which failures are forgotten.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Reverse proxies in front of the app (nginx: 1). The client address is read from "
        "X-Forwarded-For only through that many proxies; 0 trusts no header.",
    ),
    Setting(
        "API_RATE_LIMIT",
        "120 per minute",
        "Requests one API token may make to /api/v1 (all endpoints together), in Flask-Limiter's "
        "notation: '120 per minute', '1000 per hour;30 per second'. A request without a valid "
        "token counts against its address. More answers 429 with Retry-After.",
    ),
    Setting(
        "API_RATE_LIMIT_STORAGE_URL",
        "memory://",
        "Where the API's request counters live. memory:// counts in each process on its own "
        "(with WEB_WORKERS=N a token may make N times the limit, and a restart forgets); "
        "redis://host:port/N shares them between every worker and server of one instance.",
    ),
    Setting(
        "WEB_WORKERS",
        2,
        "Worker processes of assess serve (gunicorn): about one per CPU core of the server.",
    ),
    Setting(
        "WEB_THREADS",
        4,
        "Threads per worker process of assess serve: requests one process serves at once "
        "while others wait on the database or the disk.",
    ),
    Setting(
        "WEB_TIMEOUT",
        120,
        "Seconds a worker may spend on one request before gunicorn restarts it (a large "
        "report or workbook takes seconds, never minutes).",
    ),
    Setting(
        "MAX_UPLOAD_MB",
        20,
        "Largest evidence file accepted, in MiB (佐证材料大小上限).",
    ),
    Setting(
        "STORAGE_URL",
        "",
        "Where evidence files and stored results (report zips) live. Empty or file://PATH: "
        "the local store, <ASSESS_INSTANCE>/evidence and <ASSESS_INSTANCE>/objects. "
        "s3://bucket/prefix: an S3-compatible bucket (MinIO, Ceph RGW, a cloud object "
        "store's S3 mode), shared by every server; uploads are still checked locally first.",
    ),
    Setting(
        "S3_ENDPOINT_URL",
        "",
        "The S3 endpoint, e.g. http://minio.internal:9000; empty for AWS itself.",
    ),
    Setting(
        "S3_ACCESS_KEY_ID",
        "",
        "Access key for the bucket; empty uses boto3's own chain (environment, instance role).",
    ),
    Setting("S3_SECRET_ACCESS_KEY", "", "Secret key belonging to S3_ACCESS_KEY_ID."),
    Setting("S3_REGION", "", "The bucket's region (many S3-compatible stores accept any)."),
    Setting(
        "S3_CONNECT_TIMEOUT",
        3,
        "Seconds to wait for a connection to the S3 endpoint before that try fails (an "
        "endpoint that drops packets would otherwise hold a request for a minute).",
    ),
    Setting(
        "S3_READ_TIMEOUT",
        20,
        "Seconds to wait for each answer from the S3 endpoint once connected.",
    ),
    Setting(
        "S3_MAX_ATTEMPTS",
        3,
        "Tries of one S3 call, the first included, before the store is reported unavailable "
        "(文件存储暂时无法访问); at most about S3_MAX_ATTEMPTS × (S3_CONNECT_TIMEOUT + "
        "S3_READ_TIMEOUT) seconds plus a few seconds of backoff.",
    ),
    Setting(
        "EVIDENCE_SWEEP_GRACE_HOURS",
        24,
        "Evidence content no record names is removed by the sweep (assess evidence sweep, "
        "every backup) only once nobody has uploaded it for this many hours: an upload in "
        "flight has stored its file but not yet committed its record. Keep it far above the "
        "longest request.",
    ),
    Setting("PAGE_SIZE", 50, "Rows per page in lists that grow with the number of units."),
    Setting(
        "BABEL_DEFAULT_LOCALE", "zh_CN", "Interface language when the user has not chosen one."
    ),
    Setting(
        "UNITS_SEE_PEERS",
        False,
        "Units see each other's names and totals (the ranking chart in their report). Off, "
        "a unit's report and result page show it against its kind's average, highest and "
        "lowest total, without names.",
    ),
    Setting(
        "QUEUE_URL",
        "",
        "The task queue (huey) that runs background jobs. Empty: a SqliteHuey file "
        "<instance>/queue.db, no server needed. postgresql://user:pass@host:port/db: "
        "PostgresHuey (tables huey_*, e.g. on the app's own PostgreSQL); redis://host:port/N: "
        "RedisHuey. Every server and worker of one instance must share it.",
    ),
    Setting(
        "QUEUE_WORKERS",
        2,
        "Worker processes of `assess worker` (each renders one report at a time).",
    ),
    Setting(
        "QUEUE_IMMEDIATE",
        False,
        "Run queued tasks at once inside the caller (huey's immediate mode): for tests "
        "that are not about the queue; never in production.",
    ),
    Setting(
        "JOB_HEARTBEAT_SECONDS",
        300,
        "A running job whose worker has written no sign of life for this long is shown as "
        "failed (its worker died) and can be started again. Keep it far above the time of "
        "one report.",
    ),
    Setting(
        "JOB_QUEUED_HOURS",
        6,
        "A job still queued this many hours after it was started, no worker having taken "
        "it up, is shown as failed (no worker runs, or the queue lost its tasks) and can be "
        "started again. Keep it above the longest wait behind other batches.",
    ),
    Setting(
        "JOB_RETENTION_DAYS",
        7,
        "Finished jobs (done or failed) and their results in the store (report zips) are "
        "kept this many days, then removed by the worker's nightly prune or assess jobs "
        "prune. Parts of unfinished batches are never touched.",
    ),
    Setting(
        "PUBLIC_URL",
        "",
        "The address people open the app at (https://assess.example.gov.cn), for the link in "
        "e-mails and group-robot messages; empty: they say to sign in, with no link.",
    ),
    Setting(
        "DELIVERY_TIMEOUT",
        10,
        "Seconds one e-mail or group-robot message may take (connect and answer) before "
        "that try fails and is retried later.",
    ),
    Setting(
        "SMTP_CA_FILE",
        "",
        "A CA bundle (PEM) to trust for the SMTP server's certificate, for a mail server "
        "with the office's own CA; empty: the system's CAs. The certificate is always checked.",
    ),
    Setting(
        "DELIVERY_MAX_ATTEMPTS",
        5,
        "Tries per e-mail or robot message (waiting 1, 4, 16, 64 minutes between them) "
        "before it is listed as failed for the office.",
    ),
    Setting(
        "ISSUING_OFFICE",
        "郑州市流动人口基本公共服务均等化工作领导小组办公室",
        "Issuing office printed on report covers.",
    ),
)


def defaults_from_env() -> dict[str, object]:
    """The settings as a config mapping, environment values taking precedence."""
    return {s.name: s.from_env() for s in SETTINGS}
