"""The three channels that carry a notification out of the app: e-mail over SMTP, a WeCom
(企业微信) group robot and a DingTalk (钉钉) custom robot, each a function that sends one
message or raises ``ChannelError``. Nothing here reads the database: the outbox passes the
settings and the address in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import quote_plus, urlsplit

from assess.core.enums import SmtpSecurity

# Why a channel did not take a message, in the words the office's list gives it
# (``outbox.PROBLEM_TEXTS``); the exception's text, the program's words, follows it.
UNREACHABLE = "unreachable"  # no connection, a timeout, TLS failed
REJECTED = "rejected"  # the mail server refused the login, the sender or the recipient
ROBOT_REFUSED = "robot_refused"  # the robot answered with an error code, or nonsense
MISCONFIGURED = "misconfigured"  # an address the program cannot use


class ChannelError(Exception):
    """A message the channel did not take, with the ``problem`` (one of the names above);
    the text may hold secrets until cleaned."""

    def __init__(self, text: str, problem: str = UNREACHABLE) -> None:
        super().__init__(text)
        self.problem = problem


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str
    user: str
    password: str
    sender: str
    timeout: float
    cafile: str = ""  # a CA bundle to trust (an office's own CA); empty: the system's


def send_email(server: SmtpServer, to: str, subject: str, body: str, sender_name: str) -> None:
    """Send one plain-text e-mail in UTF-8 (subject and body, so Chinese arrives as typed)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((sender_name, server.sender))
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=server.sender.rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    try:
        # Inside the try: a CA file the office named but the machine lacks is this
        # channel's failure (retried, then listed), not a crash of the worker's loop.
        context = ssl.create_default_context(cafile=server.cafile or None)
        if server.security == SmtpSecurity.SSL:
            connection = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with connection:
            if server.security == SmtpSecurity.STARTTLS:
                connection.starttls(context=context)
            if server.user:
                connection.login(server.user, server.password)
            connection.send_message(message)
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPRecipientsRefused) as exc:
        raise ChannelError(f"SMTP {server.host}:{server.port}: {exc}", REJECTED) from exc
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        raise ChannelError(f"SMTP {server.host}:{server.port}: {exc}", REJECTED) from exc
    except (OSError, ValueError, smtplib.SMTPException) as exc:
        raise ChannelError(f"SMTP {server.host}:{server.port}: {exc}") from exc


def post_wecom(webhook: str, text: str, timeout: float) -> None:
    """Post ``text`` to a WeCom group robot (its webhook URL carries the ``key``)."""
    _post_robot(webhook, text, timeout)


def dingtalk_signature(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signed mode: base64 of HMAC-SHA256 over "timestamp\\nsecret", keyed with
    the secret, URL-encoded."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def post_dingtalk(webhook: str, secret: str, text: str, timeout: float) -> None:
    """Post ``text`` to a DingTalk custom robot; with a secret, signed (``timestamp`` in
    milliseconds and ``sign`` added to the URL)."""
    if secret:
        timestamp = int(time.time() * 1000)
        joiner = "&" if urlsplit(webhook).query else "?"
        webhook = (
            f"{webhook}{joiner}timestamp={timestamp}&sign={dingtalk_signature(secret, timestamp)}"
        )
    _post_robot(webhook, text, timeout)


def _post_robot(url: str, text: str, timeout: float) -> None:
    """Both robots take the same JSON and answer ``{"errcode": 0}`` when they took it; any
    other answer (a refused signature, a bad key, a rate limit) is a failure."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise ChannelError(f"robot webhook: {exc}", MISCONFIGURED) from exc
    if scheme not in ("http", "https"):
        raise ChannelError("robot webhook: not an http(s) address", MISCONFIGURED)
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False)
    request = urllib.request.Request(  # noqa: S310  # nosec B310 (http(s) only: checked above)
        url,
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310 (http(s) only)
            answer = response.read(65536)
    except (ValueError, http.client.InvalidURL) as exc:
        # a webhook whose port is not a number, or a URL urllib cannot even split
        raise ChannelError(f"robot {url}: {exc}", MISCONFIGURED) from exc
    except urllib.error.HTTPError as exc:  # the robot's server answered 4xx/5xx
        raise ChannelError(f"robot {url}: {exc}", ROBOT_REFUSED) from exc
    except (OSError, urllib.error.URLError, http.client.HTTPException) as exc:
        # HTTPException: a server answering garbage (BadStatusLine)
        raise ChannelError(f"robot {url}: {exc}") from exc
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        raise ChannelError(f"robot {url}: not a JSON answer", ROBOT_REFUSED) from None
    if errcode != 0:
        raise ChannelError(f"robot {url}: errcode {errcode}", ROBOT_REFUSED)
