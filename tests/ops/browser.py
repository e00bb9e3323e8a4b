"""A minimal browser on loopback for the fault tests (formerly bench/load.py's own client).

``http.client`` in the calling thread, so a test can cut the server off under it and see the
network error as it happens: a keep-alive connection, a cookie jar, multipart uploads.
"""

from __future__ import annotations

import functools
import http.client
import io
import select
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from bench import harness


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

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
        return harness.flashes(self.text)

    def csrf_token(self) -> str:
        return harness.csrf_token(self.text)

    def item_versions(self) -> dict[str, int]:
        return harness.item_versions(self.text)


class Browser:
    """One user agent: network failures raise ``OSError`` or ``http.client.HTTPException``."""

    def __init__(self, port: int) -> None:
        self.port = port
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
            if idle > harness.IDLE_RECONNECT or readable:
                self.close()
        if self._conn is None:
            self._conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=harness.REQUEST_TIMEOUT
            )
        return self._conn

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> Response:
        headers = {"User-Agent": "assess-faults/1", "Accept-Language": "zh-CN"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        try:
            conn = self._connection()
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            body = raw.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
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
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, body)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(
        self, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes]] = ()
    ) -> Response:
        """POST a form (multipart when ``files`` — (field, name, bytes) — are given)."""
        if files:
            body, content_type = multipart(fields, files)
        else:
            body = urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request("POST", path, body, content_type)

    def login(self, username: str, password: str) -> Response:
        """Sign in through the login form; return the redirect (302 on success)."""
        page = self.get("/auth/login")
        fields = {"csrf_token": page.csrf_token(), "username": username, "password": password}
        return self.post("/auth/login", fields)


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
