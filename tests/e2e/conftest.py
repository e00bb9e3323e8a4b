"""Browser tests: the real app in its own process, driven through Debian's chromium.

Fixtures
- ``live_server`` (session): the base URL of a fresh instance with the demo units and
  accounts (``tests/e2e/server.py``), CSRF on, stopped at the end of the session
  (``ASSESS_E2E_SERVER`` points the suite at a server already running instead).
- ``browser`` (session): headless ``/usr/bin/chromium`` through Playwright (never
  ``playwright install``: it downloads a browser of its own).
- ``cast`` (module): one browser context per demo account, signed in through the login form
  on first use and kept for the whole scenario module; dialogs (``data-confirm``) accepted
  and recorded; console and page errors recorded with the step they happened in.
- ``act`` (function): ``act("admin")`` returns that account's page, ``act(None)`` a page
  signed out. It records which pages the step used: when a step fails, each of them is
  saved as a screenshot (and its HTML) in ``tests/e2e/artifacts/`` (``ASSESS_E2E_ARTIFACTS``
  overrides), named after the step, and the paths are added to the failure report.

A scenario is a module marked ``scenario`` whose tests are the story's steps, in order;
once a step fails the later steps of that module are skipped, not failed again. Steps pass
what later steps need through the module's ``story`` dict; what every scenario does in the
browser (flashed messages, PDFs) is in ``tests/e2e/ui.py``. Another story, such as the
nomination round, is another such module with its own cast, on the same server.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from assess.demo.units import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("ASSESS_E2E_ARTIFACTS") or Path(__file__).parent / "artifacts")
TIMEOUT_MS = 10_000  # one action; a healthy step takes well under a second
SERVER_START_SECONDS = 30

# module path -> name of the step that failed in it
_failed_steps: dict[str, str] = {}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "scenario: a story told in ordered steps; after a failing step the rest skip"
    )


def pytest_runtest_setup(item):
    if item.get_closest_marker("scenario"):
        failed = _failed_steps.get(str(item.path))
        if failed:
            pytest.skip(f"an earlier step of this scenario failed: {failed}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if not report.failed or report.when not in ("setup", "call"):
        return report
    if item.get_closest_marker("scenario"):
        _failed_steps.setdefault(str(item.path), item.name)
    step = item.funcargs.get("act")
    if isinstance(step, Step):
        saved = step.save_artifacts(f"{item.path.stem}--{item.name}")
        if saved:
            report.sections.append(("e2e artifacts", "\n".join(str(p) for p in saved)))
    return report


# --- the app ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: int) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the app did not answer within {seconds} s:\n{log.read_text()}")


@contextmanager
def serve(folder: Path, *args: str, seconds: int = SERVER_START_SECONDS) -> Iterator[str]:
    """The app of ``tests/e2e/server.py`` (with ``args``) on a free port, its instance in
    ``folder``; yields its base URL and stops it on leaving."""
    log, port = folder / "server.log", _free_port()
    env = dict(os.environ, MPLCONFIGDIR=str(folder / "mpl"))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.server", "--instance", str(folder / "instance")]
            + ["--port", str(port), *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log, seconds)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of the app on a free 127.0.0.1 port, in a subprocess, with the demo data.

    ``ASSESS_E2E_SERVER`` names a server already running instead (it must hold the demo
    accounts, and the scenarios will write to it).
    """
    if os.environ.get("ASSESS_E2E_SERVER"):
        yield os.environ["ASSESS_E2E_SERVER"].rstrip("/")
        return
    with serve(tmp_path_factory.mktemp("e2e")) as url:
        yield url


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; `make test` does)")
    # Artifacts of an earlier run would be mistaken for this run's failures.
    if ARTIFACTS.is_dir():
        for old in [*ARTIFACTS.glob("*.png"), *ARTIFACTS.glob("*.html")]:
            old.unlink()
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


class Cast:
    """The scenario's people: one browser context per demo account, signed in once."""

    def __init__(self, browser, base_url: str):
        self.browser, self.base_url = browser, base_url
        self.pages: dict[str, object] = {}
        self.dialogs: list[str] = []  # every confirm/alert message accepted, in order
        self.errors: list[str] = []  # console errors and uncaught page errors
        self.step = ""

    def page(self, username: str | None):
        key = username or "anonymous"
        if key not in self.pages:
            self.pages[key] = self._open(key)
            if username:
                self._sign_in(self.pages[key], username)
        return self.pages[key]

    def _open(self, key: str):
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="zh-CN",
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("dialog", self._accept)
        page.on("console", lambda m: m.type == "error" and self._error(key, m.text, m.location))
        page.on("pageerror", lambda e: self._error(key, str(e)))
        return page

    def _error(self, who: str, text: str, location: dict | None = None) -> None:
        url = (location or {}).get("url", "")
        if url.endswith("/favicon.ico"):  # the browser asks on its own; the app has none
            return
        where = f" ({url})" if url else ""
        self.errors.append(f"{self.step} [{who}]: {text}{where}")

    def _accept(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()

    def _sign_in(self, page, username: str) -> None:
        page.goto("/auth/login")
        page.get_by_label("用户名", exact=True).fill(username)
        page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.locator(".flash-success")).to_contain_text("欢迎")

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def cast(browser, live_server):
    people = Cast(browser, live_server)
    yield people
    people.close()


class Step:
    """One step's view of the cast: remembers the pages it used, for failure artifacts."""

    def __init__(self, cast: Cast, name: str):
        self.cast, self.used = cast, {}
        cast.step = name

    def __call__(self, username: str | None):
        key = username or "anonymous"
        try:
            return self.cast.page(username)
        finally:  # a page whose sign-in failed is worth a screenshot too
            if key in self.cast.pages:
                self.used[key] = self.cast.pages[key]

    def save_artifacts(self, prefix: str) -> list[Path]:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        saved = []
        for who, page in self.used.items():
            stem = re.sub(r"[^\w.-]+", "_", f"{prefix}--{who}")
            try:
                page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
                (ARTIFACTS / f"{stem}.html").write_text(page.content(), encoding="utf-8")
            except Exception as exc:  # a crashed page must not hide the step's own failure
                print(f"no screenshot of {who}: {exc}", file=sys.stderr)
                continue
            saved.extend([ARTIFACTS / f"{stem}.png", ARTIFACTS / f"{stem}.html"])
        return saved


@pytest.fixture
def act(cast, request):
    return Step(cast, request.node.name)


@pytest.fixture(scope="module")
def story() -> dict:
    """What one step of a scenario leaves for the next (URLs, names)."""
    return {}
