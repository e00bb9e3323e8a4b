"""The servers of ``assess serve``: gunicorn for production, werkzeug's reloader for ``--dev``.

gunicorn runs programmatically (its ``BaseApplication``), so the command keeps what it did
with the development server: the app is built by ``create_app()`` from the environment, and
a database at another schema stops the command with the guard's message before any worker
starts. Each worker builds its own app after the fork (no connection or lock crosses it).
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi as gunicorn_wsgi
from werkzeug.serving import WSGIRequestHandler

from assess.web.request_log import configure_logging

# The Server header names no software or version an attacker could look up. gunicorn
# writes the value of this module global into every HTTP/1 and HTTP/2 response (an
# application's own Server header would be sent beside it, not instead), and it has no
# setting for it: gunicorn issues #825, #2189.
SERVER_HEADER = "Assess"
# gunicorn closes an idle keep-alive connection after this many seconds; nginx reuses
# upstream connections for less than that by default.
KEEP_ALIVE = 5


class GunicornServer(BaseApplication):
    """gunicorn serving ``factory()`` in each of its workers, with ``options`` as its
    settings (``bind``, ``workers``, ``threads``, ``timeout`` …)."""

    def __init__(self, factory, options: dict[str, object]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn ≥ 25.1 opens a control socket in the home folder: two servers of
            # one user on one machine would share it.
            self.cfg.set("control_socket_disable", True)
        gunicorn_wsgi.SERVER = SERVER_HEADER

    def load(self):
        configure_logging()
        return self.factory()


def gunicorn_options(host: str, port: int, workers: int, threads: int, timeout: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        # gthread also with one thread: a slow client holds a thread, not the process.
        "worker_class": "gthread",
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": KEEP_ALIVE,
        # Each request is logged once, by the app (assess.web.request_log), with its id.
        "accesslog": None,
        "errorlog": "-",
        # Proxy headers are the app's business (TRUSTED_PROXIES, ProxyFix).
        "forwarded_allow_ips": "127.0.0.1,::1",
    }


def run_gunicorn(factory, options: dict) -> None:
    configure_logging()
    GunicornServer(factory, options).run()


class _QuietServerHeader(WSGIRequestHandler):
    def version_string(self) -> str:
        return SERVER_HEADER

    def log_request(self, code="-", size="-") -> None:
        pass  # the app logs each request once, with its id


def run_development(app, host: str, port: int) -> None:
    """werkzeug's server with its reloader: restarts when a source file changes."""
    from werkzeug.serving import run_simple

    configure_logging()
    run_simple(
        host,
        port,
        app,
        use_reloader=True,
        use_debugger=False,
        threaded=True,
        request_handler=_QuietServerHeader,
    )
