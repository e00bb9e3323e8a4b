"""The English catalogue: every marked string has a translation, and it is the one used.

Message ids are the Chinese text. When a test here fails after you added or changed a
string: run ``make translations`` (extracts the ids and updates
``translations/en/LC_MESSAGES/messages.po``), fill in the English ``msgstr`` of each new
id, then ``make translations-compile``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]
EN_PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
HOW_TO_FIX = (
    "run `make translations`, translate the new ids in "
    "translations/en/LC_MESSAGES/messages.po, then `make translations-compile`"
)
# A named %-placeholder with its conversion: %(name)s, %(line)d.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")


def _keywords() -> dict:
    """pybabel's default keywords plus the ``-k`` ones the Makefile passes (``_l``)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    extra = re.findall(r"(?:\s-k\s*|\s--keyword[=\s])(\S+)", line)
    return {**DEFAULT_KEYWORDS, **frontend.parse_keywords(extra)}


class Extracted:
    """What ``make translations`` extracts: id -> first place, and the Python files read."""

    def __init__(self) -> None:
        parse_mapping = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
        with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
            method_map, options_map = parse_mapping(f)
        self.keywords = _keywords()
        self.where: dict[tuple[str, str | None], str] = {}
        self.python_files: list[Path] = []

        def seen(filename, method, options):
            if method == "python":
                self.python_files.append(ROOT / filename)

        for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=self.keywords, callback=seen
        ):
            msgid = message if isinstance(message, str) else message[0]
            if msgid:
                self.where.setdefault((msgid, context), f"{filename}:{lineno}")


@pytest.fixture(scope="module")
def extracted() -> Extracted:
    return Extracted()


@pytest.fixture(scope="module")
def english():
    with EN_PO.open("rb") as f:
        return read_po(f)


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, list | tuple) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, list | tuple) else [message.id]


def _translated(message) -> bool:
    return (
        message is not None
        and "fuzzy" not in message.flags  # pybabel compile leaves fuzzy entries out
        and all(s.strip() for s in _strings(message))
    )


def test_the_sources_are_extracted(extracted):
    """A guard on the extraction itself: Python, web templates and print templates."""
    places = {where.split(":")[0].split("/")[0] for where in extracted.where.values()}
    assert {"assess", "scoring", "templates"} <= places
    files = {where.rsplit(":", 1)[0] for where in extracted.where.values()}
    assert any(f.startswith("templates/reports/") for f in files)
    assert ("用户登录", None) in extracted.where


def test_every_extracted_message_has_english(extracted, english):
    missing = sorted(
        (where, msgid)
        for (msgid, context), where in extracted.where.items()
        if not _translated(english.get(msgid, context=context))
    )
    assert not missing, (
        f"{len(missing)} message(s) have no English translation ({HOW_TO_FIX}):\n"
        + "\n".join(f"  {where}: {msgid}" for where, msgid in missing)
    )


def test_pybabel_sees_every_translation_call(extracted):
    """A call pybabel cannot see is never extracted, so never translated. On Python
    before 3.12 that is any call inside an f-string's braces."""
    names = set(extracted.keywords)
    seen = {msgid for msgid, _context in extracted.where}
    unseen = []
    for path in extracted.python_files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if (
                name in names
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value
                and first.value not in seen
            ):
                unseen.append(f"  {path.relative_to(ROOT)}:{node.lineno}: {first.value}")
    assert not unseen, (
        "pybabel does not extract these calls (a call inside an f-string is invisible to "
        "it): move the call out of the f-string, e.g. `label = _('…')` before it:\n"
        + "\n".join(unseen)
    )


class _AnyValue(dict):
    def __missing__(self, key):
        return 1


def _formats(text: str) -> bool:
    try:
        text % _AnyValue()
    except (ValueError, TypeError, KeyError):
        return False
    return True


def test_translations_keep_the_placeholders(english):
    wrong = []
    for message in english:
        if not message.id:
            continue
        for msgid in _ids(message):
            expected = set(PLACEHOLDER.findall(msgid))
            for text in _strings(message):
                if not text:
                    continue
                if set(PLACEHOLDER.findall(text)) != expected:
                    wrong.append(f"  {msgid!r} -> {text!r}: placeholders differ")
                elif _formats(msgid) and not _formats(text):
                    # Templates always %-format: a literal % must stay %%.
                    wrong.append(f"  {msgid!r} -> {text!r}: cannot be %-formatted")
    assert not wrong, "Translations must keep the %(name)s placeholders:\n" + "\n".join(wrong)


# ---------------------------------------------------------------- the compiled catalogue


@pytest.fixture(scope="module")
def compiled(tmp_path_factory, english) -> Path:
    """The .po compiled as `make translations-compile` does, into a temporary folder."""
    folder = tmp_path_factory.mktemp("translations")
    mo = folder / "en" / "LC_MESSAGES" / "messages.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as f:
        write_mo(f, english)
    return folder


@pytest.fixture
def scoring_i18n(compiled, monkeypatch):
    from scoring import i18n

    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", compiled)
    i18n._catalogue.cache_clear()
    yield i18n
    i18n._catalogue.cache_clear()


def test_framework_free_code_speaks_english(scoring_i18n, monkeypatch):
    _ = scoring_i18n._
    monkeypatch.setenv("ASSESS_LANG", "en")
    assert _("用户登录") == "Sign in"
    assert _("未知指标 %(code)s", code="A1") == "unknown indicator A1"
    monkeypatch.setenv("ASSESS_LANG", "zh_CN")
    assert _("用户登录") == "用户登录"


def test_print_templates_speak_english(scoring_i18n, monkeypatch):
    from assess.reports.render import environment

    monkeypatch.setenv("ASSESS_LANG", "en")
    template = environment().from_string("{{ _('考核结果汇总报告') }}|{{ _('图%(n)s', n=2) }}")
    assert template.render() == "Summary Report of Assessment Results|Figure 2"


def test_the_web_app_speaks_english(compiled, tmp_path):
    from flask import session
    from flask_babel import gettext, lazy_gettext

    from assess import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "ASSESS_INSTANCE": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path}/assess.db",
            "BABEL_TRANSLATION_DIRECTORIES": str(compiled),
        }
    )
    with app.test_request_context():
        session["locale"] = "en"
        assert gettext("用户登录") == "Sign in"
        assert gettext("欢迎，%(name)s", name="Li") == "Welcome, Li"
        assert str(lazy_gettext("请先登录")) == "Please sign in first"
    with app.test_request_context():
        assert gettext("用户登录") == "用户登录"  # zh_CN unless chosen

    from assess.core.db import database
    from assess.ops import migrations

    with app.app_context():  # pages are served only on a database at the current schema
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        database.close()
    client = app.test_client()
    with client.session_transaction() as s:
        s["locale"] = "en"
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Sign in" in page
    assert "用户登录" not in page
