"""An HTTP client that behaves like a browser towards one app server: a cookie jar of its
own, forms posted with the CSRF token scraped from the page they are on."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import requests

from assess.demo import DEMO_PASSWORD

SESSION_COOKIE = "session"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# The same browser for every server: the session is bound to the address and user agent.
USER_AGENT = "assess-scale-test/1"


class Browser:
    """One person's browser pointed at the server at ``base_url``."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url(path), timeout=120, allow_redirects=False, **kwargs)

    def page(self, path: str) -> str:
        """The HTML of a page that must answer 200."""
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.text

    def submit(self, page_path: str, action: str, data=None, files=None) -> requests.Response:
        """POST the form whose action is ``action`` on the page at ``page_path``, with the
        CSRF token that page carries (the first form with that action)."""
        html = self.page(page_path)
        token = _form_token(html, action, page_path)
        return self.http.post(
            self.url(action),
            data={"csrf_token": token, **(data or {})},
            files=files,
            timeout=120,
            allow_redirects=False,
        )

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        response = self.submit(
            "/auth/login", "/auth/login", {"username": username, "password": password}
        )
        assert response.status_code == 302, response.text[:500]

    @property
    def session_cookie(self) -> str:
        return self.http.cookies[SESSION_COOKIE]

    def use_session(self, cookie: str) -> None:
        """Carry the session cookie another browser holds (the same person, another server)."""
        self.http.cookies.set(SESSION_COOKIE, cookie)


def _form_token(html: str, action: str, page_path: str) -> str:
    """The CSRF token inside the form posting to ``action`` (a form without an action
    posts to its own page)."""
    for form in re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, re.S):
        attrs, body = form.groups()
        target = re.search(r'action="([^"]*)"', attrs)
        if (unescape(target.group(1)) if target else page_path) == action:
            found = _CSRF.search(body)
            assert found, f"form {action} has no CSRF token"
            return found.group(1)
    raise AssertionError(f"no form posting to {action} on the page")


def redirected_to(response: requests.Response) -> str:
    """The path a 302 sends the browser to."""
    assert response.status_code == 302, (response.status_code, response.text[:500])
    return urlsplit(response.headers["Location"]).path
