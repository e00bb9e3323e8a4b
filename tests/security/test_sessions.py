"""CSRF on every POST route, the session at login, login throttling, response headers on
pages and files, cookie flags, and redirects that must stay on the site."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote, urljoin, urlsplit

import pytest

from assess.accounts.models import LoginThrottle, User
from assess.core.models import utcnow
from assess.demo.units import DEMO_PASSWORD
from tests.conftest import login, make_app
from tests.security.conftest import ROLE_USERS, row_counts
from tests.security.test_authz_matrix import build_url, rules, sample_args

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LOCKED = "登录失败次数过多"


def _token(page: bytes) -> str:
    match = TOKEN.search(page.decode())
    assert match, "no csrf_token field on the page"
    return match.group(1)


def _sign_in_with_token(app, username: str):
    client = app.test_client()
    token = _token(client.get("/auth/login").data)
    response = client.post(
        "/auth/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.data.decode()[:300]
    return client


@pytest.fixture
def csrf_app(app, demo, database_url, tmp_path):
    """The same database, served by an app that checks CSRF tokens."""
    return make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)


# --- CSRF --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "inspector", "reporter", "anon"])
def test_every_post_route_refuses_a_request_without_token(csrf_app, world, db, role):
    client = (
        _sign_in_with_token(csrf_app, ROLE_USERS[role])
        if ROLE_USERS[role]
        else csrf_app.test_client()
    )
    before = row_counts()
    posted, failures = 0, []
    for rule in rules(csrf_app):
        if "POST" not in rule.methods:
            continue
        try:
            url = build_url(rule, sample_args(world, rule))
        except KeyError:
            continue  # the authorisation matrix names routes without samples
        response = client.post(url, data={"version": "1", "reason": "x", "next": "/"})
        posted += 1
        page = response.data.decode()
        if rule.rule.startswith("/api/"):
            # The API takes no CSRF token because it takes no session: the cookie that
            # came along is no credential there (401), so nothing a page forges gets in.
            if response.status_code != 401:
                failures.append(f"POST {url} [{rule.endpoint}]: {response.status_code}")
            continue
        if response.status_code != 400 or "安全令牌" not in page:
            failures.append(f"POST {url} [{rule.endpoint}]: {response.status_code}")
    assert posted >= 15
    assert not failures, "\n".join(failures)
    assert row_counts() == before  # nothing was written by any refused request
    if ROLE_USERS[role]:
        assert client.get("/").status_code == 200  # and the session was not ended


def test_a_valid_token_is_accepted(csrf_app):
    """The control for the walk above: with the page's token the same POST goes through."""
    client = _sign_in_with_token(csrf_app, "admin")
    page = client.get("/")
    response = client.post("/lang/en", data={"csrf_token": _token(page.data)})
    assert response.status_code == 302


def test_token_of_another_session_is_refused(csrf_app):
    admin = _sign_in_with_token(csrf_app, "admin")
    other = _sign_in_with_token(csrf_app, "viewer")
    foreign = _token(other.get("/").data)
    response = admin.post("/lang/en", data={"csrf_token": foreign})
    assert response.status_code == 400


def test_pre_login_token_dies_with_the_pre_login_session(csrf_app):
    client = csrf_app.test_client()
    old = _token(client.get("/auth/login").data)
    client.post(
        "/auth/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": old}
    )
    assert client.post("/lang/en", data={"csrf_token": old}).status_code == 400


# --- the session at login ----------------------------------------------------------------


def _session_cookie(client, app) -> str | None:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return cookie.value if cookie else None


def test_session_is_renewed_at_login(app, client, demo):
    client.get("/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
        session["_fresh"] = True
        session["locale"] = "en"
    before = _session_cookie(client, app)
    assert before
    login(client, "admin")
    after = _session_cookie(client, app)
    assert after and after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")
        assert session.get("locale") == "en"  # the language choice is the only thing kept
    # Replaying the pre-login cookie does not give a signed-in session.
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/").status_code == 302


def test_logout_ends_the_session(app, as_user):
    client = as_user("admin")
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


def _stolen_cookie(app, username: str):
    """A signed-in client and a copy of its session cookie, as a thief would have it."""
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client, client.get_cookie("session").value


def _replay(app, cookie: str) -> int:
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/").status_code


def test_password_change_ends_other_sessions(app, demo):
    """A cookie copied before the password was changed (by its owner or reset by the office)
    no longer signs anyone in; the owner's own session goes on."""
    owner, stolen = _stolen_cookie(app, "viewer")
    response = owner.post(
        "/auth/password",
        data={"current": DEMO_PASSWORD, "new": "NewPass#2026x", "confirm": "NewPass#2026x"},
    )
    assert response.status_code == 302
    assert owner.get("/").status_code == 200
    assert _replay(app, stolen) == 302


def test_sessions_expire_within_a_working_day(app):
    """Flask refuses a session cookie older than PERMANENT_SESSION_LIFETIME (31 days by
    default): a copied cookie must not outlive the working day it was taken on."""
    assert app.permanent_session_lifetime.total_seconds() <= 12 * 3600


def test_logout_revokes_a_copied_cookie(app, demo):
    owner, stolen = _stolen_cookie(app, "viewer")
    owner.post("/auth/logout")
    assert _replay(app, stolen) == 302


def test_disabled_account_loses_its_session(app, as_user, db):
    client = as_user("viewer")
    assert client.get("/").status_code == 200
    User.update(active=False).where(User.username == "viewer").execute()
    assert client.get("/").status_code == 302


# --- login throttling --------------------------------------------------------------------


def _attempt(app, username, password, address):
    client = app.test_client()
    return client.post(
        "/auth/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_throttled_per_account_across_addresses(app, demo):
    """A guesser who spreads over many addresses is stopped by the account-wide limit."""
    app.config["LOGIN_ACCOUNT_MAX_FAILURES"] = 8
    for n in range(8):
        _attempt(app, "admin", "wrong-Password1", f"10.0.0.{n + 1}")
    response = _attempt(app, "admin", DEMO_PASSWORD, "10.0.1.1")
    assert LOCKED in response.data.decode()
    assert response.status_code == 200  # the form again, not a session
    # Another account is not affected by the first one's lock.
    assert _attempt(app, "viewer", DEMO_PASSWORD, "10.0.1.2").status_code == 302


def test_throttled_per_address_across_accounts(app, demo):
    """One address spraying many accounts is stopped by the (high) address-wide limit."""
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 12
    for n in range(12):
        _attempt(app, f"nobody{n}", "wrong-Password1", "10.9.9.9")
    assert LOCKED in _attempt(app, "viewer", DEMO_PASSWORD, "10.9.9.9").data.decode()
    assert _attempt(app, "viewer", DEMO_PASSWORD, "10.9.9.10").status_code == 302


def test_one_person_behind_a_shared_address_locks_out_only_themselves(app, demo):
    """A county's staff sign in through one NAT address: one person's typos lock that
    person on that address, not their colleagues, and not the same person elsewhere."""
    shared = "10.7.7.7"
    for _n in range(app.config["LOGIN_MAX_FAILURES"]):
        _attempt(app, "admin", "wrong-Password1", shared)
    assert LOCKED in _attempt(app, "admin", DEMO_PASSWORD, shared).data.decode()
    assert _attempt(app, "viewer", DEMO_PASSWORD, shared).status_code == 302
    assert _attempt(app, "inspector", DEMO_PASSWORD, shared).status_code == 302
    assert _attempt(app, "admin", DEMO_PASSWORD, "10.7.7.8").status_code == 302


def test_a_stranger_cannot_lock_an_account_with_a_few_tries(app, demo):
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        _attempt(app, "admin", "wrong-Password1", f"10.6.0.{n % 2}")
    assert _attempt(app, "admin", DEMO_PASSWORD, "10.6.1.1").status_code == 302


def test_a_success_forgives_the_accounts_failures(app, demo):
    almost = app.config["LOGIN_MAX_FAILURES"] - 1
    for _n in range(almost):
        _attempt(app, "admin", "wrong-Password1", "10.5.5.5")
    assert _attempt(app, "admin", DEMO_PASSWORD, "10.5.5.5").status_code == 302
    for _n in range(almost):
        _attempt(app, "admin", "wrong-Password1", "10.5.5.5")
    assert _attempt(app, "admin", DEMO_PASSWORD, "10.5.5.5").status_code == 302


def test_failures_are_forgotten_after_a_quiet_window(app, demo, db):
    almost = app.config["LOGIN_MAX_FAILURES"] - 1
    for _n in range(almost):
        _attempt(app, "admin", "wrong-Password1", "10.4.4.4")
    quiet = timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
    LoginThrottle.update(updated_at=utcnow() - quiet).execute()
    _attempt(app, "admin", "wrong-Password1", "10.4.4.4")  # one more, after the pause
    assert _attempt(app, "admin", DEMO_PASSWORD, "10.4.4.4").status_code == 302


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(app, demo):
    """Without TRUSTED_PROXIES a client cannot dodge the throttle with a forged header."""
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        app.test_client().post(
            "/auth/login",
            data={"username": "admin", "password": "wrong-Password1"},
            environ_base={"REMOTE_ADDR": "10.3.3.3"},
            headers={"X-Forwarded-For": f"172.16.0.{n}"},
        )
    assert LOCKED in _attempt(app, "admin", DEMO_PASSWORD, "10.3.3.3").data.decode()


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(
    app, demo, database_url, tmp_path
):
    proxied = make_app(database_url, tmp_path, TRUSTED_PROXIES=1)

    def attempt(password, client_address):
        return proxied.test_client().post(
            "/auth/login",
            data={"username": "admin", "password": password},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},  # every request comes from nginx
            headers={"X-Forwarded-For": client_address},
        )

    for _n in range(proxied.config["LOGIN_MAX_FAILURES"]):
        attempt("wrong-Password1", "10.2.2.2")
    assert LOCKED in attempt(DEMO_PASSWORD, "10.2.2.2").data.decode()
    assert attempt(DEMO_PASSWORD, "10.2.2.3").status_code == 302


def test_account_throttle_not_bypassed_by_spelling_the_name_differently(app, demo):
    """' admin', 'admin ' and 'ADMIN' are the same account to a password guesser: the
    sign-in strips the name before looking it up, so the throttle must count them as one."""
    variants = ["admin", " admin", "admin ", " admin ", "\tadmin", "ADMIN"]
    for name in variants[: app.config["LOGIN_MAX_FAILURES"]]:
        _attempt(app, name, "wrong-Password1", "10.0.2.1")
    assert LOCKED in _attempt(app, " admin ", DEMO_PASSWORD, "10.0.2.1").data.decode()
    # ... and across addresses, against the account-wide limit
    app.config["LOGIN_ACCOUNT_MAX_FAILURES"] = len(variants)
    for n, name in enumerate(variants):
        _attempt(app, name, "wrong-Password1", f"10.0.3.{n + 1}")
    assert LOCKED in _attempt(app, "admin", DEMO_PASSWORD, "10.0.3.99").data.decode()


def test_lock_expires(app, demo, db):
    for _n in range(app.config["LOGIN_MAX_FAILURES"]):
        _attempt(app, "admin", "wrong-Password1", "10.0.4.1")
    assert LOCKED in _attempt(app, "admin", DEMO_PASSWORD, "10.0.4.1").data.decode()
    LoginThrottle.update(locked_until=utcnow() - timedelta(seconds=1)).execute()
    assert _attempt(app, "admin", DEMO_PASSWORD, "10.0.4.1").status_code == 302


def test_failure_message_does_not_tell_which_names_exist(app, demo):
    unknown = _attempt(app, "no-such-user", "wrong-Password1", "10.0.6.1").data.decode()
    wrong = _attempt(app, "admin", "wrong-Password1", "10.0.6.2").data.decode()
    assert "用户名或密码错误" in unknown and "用户名或密码错误" in wrong


# --- headers -----------------------------------------------------------------------------


def _check_headers(url: str, response) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in csp:
        problems.append(f"{url}: CSP without frame-ancestors 'none': {csp!r}")
    if "unsafe-inline" in csp.split("script-src", 1)[-1].split(";", 1)[0]:
        problems.append(f"{url}: script-src allows inline script")
    if "default-src 'self'" not in csp or "object-src 'none'" not in csp:
        problems.append(f"{url}: CSP without default-src 'self' / object-src 'none'")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: X-Content-Type-Options missing")
    if response.headers.get("Referrer-Policy") not in (
        "same-origin",
        "no-referrer",
        "strict-origin",
    ):
        problems.append(f"{url}: Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{url}: X-Frame-Options {response.headers.get('X-Frame-Options')!r}")
    return problems


def test_security_headers_on_pages_and_files(app, world, clients):
    admin, reporter = clients("admin"), clients("reporter")
    base = f"/cycles/{world.open_cycle}/units/{world.unit_a}"
    cases = [
        (clients("anon"), "/auth/login", 200, "text/html"),
        (clients("anon"), "/health", 200, "application/json"),
        (clients("anon"), "/static/app.css", 200, "text/css"),
        (admin, "/", 200, "text/html"),
        (admin, "/no-such-page", 404, "text/html"),
        (clients("viewer"), "/audit/", 403, "text/html"),
        (reporter, f"{base}/", 200, "text/html"),
        (reporter, f"/evidence/{world.evidence_pdf}", 200, "application/pdf"),
        (reporter, f"/evidence/{world.evidence_png}", 200, "image/png"),
        (reporter, f"/evidence/{world.evidence_png}/thumbnail", 200, "image/png"),
        (reporter, f"{base}/template.xlsx", 200, "application/vnd.openxmlformats"),
        (admin, f"/cycles/{world.published_cycle}/results.xlsx", 200, "application/vnd."),
    ]
    problems = []
    for client, url, status, mime in cases:
        response = client.get(url)
        assert response.status_code == status, url
        assert response.mimetype.startswith(mime), (url, response.mimetype)
        problems += _check_headers(url, response)
        if not url.startswith("/static/"):
            # pages and every download: no copy of a unit's data stays in a cache
            assert "no-store" in response.headers.get("Cache-Control", ""), url
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP by default
    assert not problems, "\n".join(problems)


def test_evidence_is_always_an_attachment(world, clients):
    for evidence_id in (world.evidence_pdf, world.evidence_png):
        response = clients("inspector").get(f"/evidence/{evidence_id}")
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''" in disposition


# --- cookies -----------------------------------------------------------------------------


def _session_set_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "login set no session cookie"
    return cookies[-1]


def test_session_cookie_is_httponly_and_lax(client, demo):
    cookie = _session_set_cookie(login(client, "admin"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP by default (SESSION_COOKIE_SECURE off)


def test_session_cookie_is_secure_when_configured(app, demo, database_url, tmp_path):
    secure = make_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    cookie = _session_set_cookie(login(secure.test_client(), "admin"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_served_over_https_secure_cookies_and_hsts(app, demo, database_url, tmp_path):
    https = make_app(database_url, tmp_path, HTTPS=True)
    client = https.test_client()
    response = login(client, "admin")
    assert "Secure" in _session_set_cookie(response)
    hsts = response.headers.get("Strict-Transport-Security", "")
    assert hsts.startswith("max-age=31536000")
    assert "max-age=31536000" in client.get("/").headers["Strict-Transport-Security"]


# --- redirects ---------------------------------------------------------------------------

HOSTILE_TARGETS = [
    "//evil.example/x",
    "///evil.example/x",
    "https://evil.example/x",
    "http:evil.example",
    "https:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "//evil.example@localhost/",
    "/cycles/\r\nSet-Cookie: planted=1",
    "/cycles/\t/\t/evil.example",
]


def _stays_on_site(location: str) -> bool:
    """Where a browser would go: backslashes count as slashes, tabs and newlines vanish."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    target = urlsplit(urljoin("http://localhost/", cleaned))
    return target.scheme == "http" and target.netloc == "localhost"


def test_login_next_never_leaves_the_site(app, demo):
    escapes = []
    for target in HOSTILE_TARGETS:
        client = app.test_client()
        response = client.post(
            "/auth/login?next=" + quote(target, safe=""),
            data={"username": "admin", "password": DEMO_PASSWORD},
        )
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not _stays_on_site(location):
            escapes.append(f"next={target!r} -> {response.status_code} {location}")
    assert not escapes, "\n".join(escapes)


def test_form_next_fields_never_leave_the_site(world, clients):
    reporter, inspector = clients("reporter"), clients("inspector")
    routes = [
        (reporter, f"/evidence/{world.evidence_pdf}/delete"),
        (inspector, f"/cycles/{world.open_cycle}/inspection/units/{world.unit_a}/rectifications"),
    ]
    escapes = []
    for client, url in routes:
        for target in HOSTILE_TARGETS:
            response = client.post(url, data={"next": target})
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not _stays_on_site(location):
                escapes.append(f"{url} next={target!r} -> {response.status_code} {location}")
    assert not escapes, "\n".join(escapes)


@pytest.mark.parametrize(
    "referrer",
    ["http://evil.example/", "http://localhost.evil.example/", "http://localhost@evil.example/"],
)
def test_language_switch_does_not_follow_foreign_referrers(client, referrer):
    response = client.post("/lang/en", headers={"Referer": referrer})
    assert _stays_on_site(response.headers["Location"])
