"""Real servers on loopback for the delivery tests: an SMTP server (aiosmtpd) that keeps
what it receives, and a robot server that takes WeCom / DingTalk JSON posts, checking
DingTalk's signature like DingTalk does, or failing on purpose."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: every message received, parsed (headers and body decoded)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, parsed))
        return "250 OK"


def start_smtp() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    # aiosmtpd 1.4 checks its server by connecting to the port it was given, so port=0
    # cannot work there: take a free port first.
    controller = Controller(inbox, hostname="127.0.0.1", port=closed_port())
    controller.start()
    return controller, inbox


def smtp_port(controller: Controller) -> int:
    return controller.port


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Robot:
    """What the robot server received and how it answers: ``secret`` set means DingTalk's
    signed mode is checked (a wrong or missing signature answers errcode 310000, as
    DingTalk does); ``status`` other than 200 fails every post."""

    secret: str = ""
    status: int = 200
    posts: list = field(default_factory=list)
    refused: list = field(default_factory=list)


def expected_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def start_robot(robot: Robot) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            query = parse_qs(urlsplit(self.path).query)
            if robot.status != 200:
                self._answer(robot.status, {"errcode": -1})
                return
            if robot.secret:
                timestamp = query.get("timestamp", [""])[0]
                sign = query.get("sign", [""])[0]  # parse_qs has undone the URL-encoding
                if not timestamp or sign != expected_sign(robot.secret, timestamp):
                    robot.refused.append((self.path, body))
                    self._answer(200, {"errcode": 310000, "errmsg": "sign not match"})
                    return
            robot.posts.append((self.path, self.headers.get("Content-Type"), body))
            self._answer(200, {"errcode": 0, "errmsg": "ok"})

        def _answer(self, status, data):
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def robot_url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def self_signed(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key (PEM files in ``folder``), by openssl."""
    import subprocess

    cert, key = str(folder / "smtp.crt"), str(folder / "smtp.key")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Password:
    """aiosmtpd authenticator taking one user and password (PLAIN or LOGIN)."""

    def __init__(self, user: str, password: str):
        self.user, self.password = user.encode(), password.encode()
        self.tried = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login == self.user and auth_data.password == self.password
        )
        self.tried.append((mechanism, ok))
        return AuthResult(success=ok)


def start_tls_smtp(cert: str, key: str, authenticator, implicit: bool = False):
    """An SMTP server that needs TLS and a login: STARTTLS required, or TLS from the first
    byte (``implicit``, as on port 465)."""
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    options = {"authenticator": authenticator, "auth_require_tls": True}
    if implicit:
        # aiosmtpd does not see its own implicit TLS as TLS: it would hide AUTH.
        options |= {"ssl_context": context, "auth_require_tls": False}
    else:
        options |= {"tls_context": context, "require_starttls": True}
    controller = Controller(inbox, hostname="127.0.0.1", port=closed_port(), **options)
    controller.start()
    return controller, inbox
