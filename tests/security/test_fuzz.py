"""Hypothesis fuzzing of the write endpoints: the self-report save, the inspection review,
the Excel template import and the new-cycle upload.

For every generated request: never a server error, and never a partial write. A write
either happened completely and is audited (every submission it touched moved exactly one
version per audit entry; every new Evidence row has its audit entry and its file), or
nothing changed at all: the same rows, the same submission versions, the same files.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import IllegalCharacterError

from assess.accounts.models import User
from assess.core.models import AuditEntry
from assess.cycles import submissions
from assess.cycles.excel import TEMPLATE_COLUMNS
from assess.cycles.models import Cycle, Submission
from assess.evidence.models import Evidence
from assess.units.models import Unit
from tests.cycle_helpers import SET_PATH, make_cycle, pdf_bytes, png_bytes
from tests.security.conftest import row_counts, swept_files

# Modest and bounded: no shrinking (it can take minutes); a failure prints its example.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

REVIEWED_UNITS = ("410102", "410103", "410104", "410106")
CODES = ["A1", "A2", "B1", "X1", "V1", "D1", "a1", "ZZ", ""]
NUMBERS = [
    "", "0", "1", "4", "90", "100", "-1", "0.5", "1e3", "1e999", "NaN", "-Infinity", "sNaN",
    "１２", "0x10", "99999999999999999999999", "1/0", "90/100", "87.5%", " 7 ", "1_000",
]  # fmt: skip
VALUES = NUMBERS + ["优", "良", "中", "差", "是", "否", "true", "优秀", "<b>", "' OR 1=1 --"]


@dataclass(frozen=True)
class FuzzWorld:
    cycle: int
    unit_a: int  # nothing saved yet: the reporter fuzzes its self-report and imports
    reviewed: tuple[int, ...]  # submitted submissions of other units, for the review fuzz


@pytest.fixture
def fuzz_world(app, demo, db) -> FuzzWorld:
    cycle = make_cycle("open", year=2028, name="模糊测试")
    reviewed = []
    for code in REVIEWED_UNITS:
        unit = Unit.get(Unit.code == code)
        reporter = User.get(User.username == f"r-{code}")
        for indicator, value in (("A1", "80/100"), ("A2", "3"), ("B1", "良"), ("X1", "2")):
            sub, _ = submissions.save_value(cycle, unit, indicator, value, "", None, reporter)
            reviewed.append(sub.id)
        submissions.submit_unit(cycle, unit, reporter)
    return FuzzWorld(cycle.id, Unit.get(Unit.code == "410105").id, tuple(reviewed))


# --- the invariant --------------------------------------------------------------------------


@dataclass
class State:
    counts: dict[str, int]
    versions: dict[int, int]
    evidence: set[str]  # sha256 of every Evidence row
    files: set[str]  # every file in the store (names)


def state(app) -> State:
    return State(
        counts=row_counts(),
        versions=dict(Submission.select(Submission.id, Submission.version).tuples()),
        evidence={sha for (sha,) in Evidence.select(Evidence.sha256).tuples()},
        files={p.name for p in swept_files(app)},
    )


def check_all_or_nothing(app, before: State, response, *, may_create_cycle=False) -> State:
    """Fail unless ``response`` is not a server error and left a whole, audited write or
    no write at all; returns the state after."""
    assert response.status_code < 500, response.data.decode()[:500]
    after = state(app)
    delta = {k: after.counts[k] - before.counts[k] for k in after.counts}
    moved = {
        sid: after.versions[sid] - before.versions.get(sid, 0)
        for sid in after.versions
        if after.versions[sid] != before.versions.get(sid)
    }
    assert all(step >= 1 for step in moved.values()), f"a version went backwards: {moved}"
    new_evidence = delta["Evidence"]
    # One audit entry per submission write (one version step) and per evidence upload;
    # a new cycle is one entry.
    expected_audits = sum(moved.values()) + new_evidence + delta["Cycle"]
    assert delta["AuditEntry"] == expected_audits, (delta, moved)
    assert delta["Submission"] == len([s for s in moved if s not in before.versions])
    if may_create_cycle:
        assert delta["Cycle"] in (0, 1)
        if delta["Cycle"] == 0:
            assert delta["Assignment"] == 0
    else:
        assert delta["Cycle"] == 0 and delta["Assignment"] == 0
    unchanged = ("Rectification", "ResultSnapshot", "Unit", "User")
    assert all(delta[k] == 0 for k in unchanged), delta
    # After a sweep the store holds exactly the files of Evidence rows (and their
    # thumbnails): a refused request leaves nothing the sweep would not remove.
    orphans = {
        name
        for name in after.files - before.files
        if name.removesuffix(".thumb.png") not in after.evidence
    }
    assert not orphans, f"files stored without an Evidence row: {sorted(orphans)}"
    event("write" if delta["AuditEntry"] else "refused")
    return after


# --- the self-report save route -------------------------------------------------------------

FILES = {
    "pdf": lambda: (io.BytesIO(pdf_bytes(1)), "材料.pdf"),
    "png": lambda: (io.BytesIO(png_bytes()), "照片.png"),
    "junk": lambda: (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "材料.pdf"),
    "empty": lambda: (io.BytesIO(b""), "空.pdf"),
}
text = st.text(max_size=60)


@FUZZ
@given(
    code=st.sampled_from(CODES[:6]) | st.sampled_from(CODES[6:]),
    value=st.sampled_from(VALUES) | text,
    numerator=st.sampled_from(NUMBERS) | text,
    denominator=st.sampled_from(NUMBERS) | text,
    narrative=text | st.just("说" * 5001),
    version=st.sampled_from(["current", "stale", "0", "", "-1", "abc", "1e9", "99999999999"]),
    files=st.lists(st.sampled_from(sorted(FILES)), max_size=2),
)
@example(
    code="A1",
    value="",
    numerator="120",
    denominator="100",
    narrative="",
    version="current",
    files=["pdf"],
)
def test_fuzz_self_report_save(
    app, as_user, fuzz_world, code, value, numerator, denominator, narrative, version, files
):
    reporter = as_user("r-410105")
    cycle, unit_id = fuzz_world.cycle, fuzz_world.unit_a
    sub = Submission.get_or_none(
        Submission.cycle == cycle, Submission.unit == unit_id, Submission.indicator_code == code
    )
    current = sub.version if sub else 0
    version = {"current": str(current), "stale": str(current - 1)}.get(version, version)
    data = {
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "narrative": narrative,
        "version": version,
        "files": [FILES[f]() for f in files],
    }
    before = state(app)
    response = reporter.post(
        f"/cycles/{cycle}/units/{unit_id}/items/{code}",
        data=data,
        content_type="multipart/form-data",
    )
    check_all_or_nothing(app, before, response)


# --- the inspection review route ------------------------------------------------------------

DECIMALS = ["", "0", "1", "2.5", "-1", "30", "1000", "NaN", "sNaN", "Infinity", "-0", "1e9999"]


def mostly(valid, other=None):
    """Draw from ``valid`` three times in four, else from ``other`` (random text)."""
    return st.one_of(valid, valid, valid, other if other is not None else text)


@FUZZ
@given(
    pick=st.integers(min_value=0),
    action=mostly(st.sampled_from(["verify", "return"]), st.sampled_from(["", "delete", "VERIFY"])),
    version=mostly(st.just("current"), st.sampled_from(["stale", "", "x", "99999999999999999999"])),
    verified_value=st.one_of(st.just(""), st.sampled_from(VALUES), text),
    reason=st.one_of(st.just(""), text),
    deduction=st.one_of(st.just(""), st.sampled_from(DECIMALS), text),
    deduction_reason=st.one_of(st.just(""), text),
    return_reason=text,
)
@example(
    pick=0,
    action="verify",
    version="current",
    verified_value="",
    reason="",
    deduction="NaN",
    deduction_reason="x",
    return_reason="",
)
@example(
    pick=3,
    action="verify",
    version="current",
    verified_value="",
    reason="",
    deduction="Infinity",
    deduction_reason="x",
    return_reason="",
)
@example(
    pick=7,
    action="verify",
    version="current",
    verified_value="",
    reason="",
    deduction="1e9999",
    deduction_reason="x",
    return_reason="",
)
def test_fuzz_review(
    app,
    as_user,
    fuzz_world,
    pick,
    action,
    version,
    verified_value,
    reason,
    deduction,
    deduction_reason,
    return_reason,
):
    inspector = as_user("inspector")
    sub = Submission.get_by_id(fuzz_world.reviewed[pick % len(fuzz_world.reviewed)])
    version = {"current": str(sub.version), "stale": str(sub.version - 1)}.get(version, version)
    before = state(app)
    response = inspector.post(
        f"/cycles/{fuzz_world.cycle}/inspection/items/{sub.id}",
        data={
            "action": action,
            "version": version,
            "verified_value": verified_value,
            "reason": reason,
            "deduction": deduction,
            "deduction_reason": deduction_reason,
            "return_reason": return_reason,
        },
    )
    check_all_or_nothing(app, before, response)
    after = Submission.get_by_id(sub.id)
    if after.version != sub.version:  # a review was recorded: it is a whole one
        assert after.status in ("verified", "returned")
        assert after.status != "returned" or after.return_reason.strip()
        if after.deduction is not None:
            assert after.deduction_reason.strip() and Decimal(after.deduction).is_finite()


# --- the Excel template import --------------------------------------------------------------

cells = st.one_of(
    st.none(),
    st.sampled_from(VALUES),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["=1+1", '=HYPERLINK("http://x")', "@SUM(A1)", "说" * 6000]),
)
# A row as the template has it: code, name, measure, unit, target, numerator, denominator,
# value, narrative. Many are right for their indicator, so that whole imports happen too,
# not only refusals; the rest mix in random cells.
RIGHT = {
    "A1": (["80", "95", 90], ["100", 100], [""]),
    "A2": ([""], [""], ["3", 4]),
    "B1": ([""], [""], ["优", "良"]),
    "X1": ([""], [""], ["1", 2]),
    "V1": ([""], [""], ["是", "否"]),
}


def _row(code: str, noisy: bool):
    num, den, value = RIGHT[code]

    def pick(choices):
        return mostly(st.sampled_from(choices), cells) if noisy else st.sampled_from(choices)

    return st.tuples(
        st.just(code),
        *[st.none()] * 4,
        pick(num),
        pick(den),
        pick(value),
        st.one_of(st.none(), st.text(max_size=40)),
    )


right_rows = st.sampled_from(sorted(RIGHT)).flatmap(lambda code: _row(code, False))
noisy_rows = st.sampled_from(sorted(RIGHT)).flatmap(lambda code: _row(code, True))
random_rows = st.tuples(st.sampled_from(CODES), *[cells] * (len(TEMPLATE_COLUMNS) - 1))
rows = st.one_of(
    st.lists(right_rows, min_size=1, max_size=4, unique_by=lambda r: r[0]),
    st.lists(st.one_of(right_rows, noisy_rows, random_rows), max_size=6),
)


def _workbook(header: list[str], body: list[tuple]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for line in body:
        # Characters a worksheet cannot hold are dropped, as Excel itself would refuse them.
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@FUZZ
@given(
    kind=st.sampled_from(["workbook", "workbook", "workbook", "bad-header", "bytes"]),
    body=rows,
    raw=st.binary(max_size=2000),
)
def test_fuzz_template_import(app, as_user, fuzz_world, kind, body, raw):
    reporter = as_user("r-410105")
    header = list(TEMPLATE_COLUMNS)
    if kind == "bad-header":
        header = header[::-1]
    try:
        data = raw if kind == "bytes" else _workbook(header, body)
    except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses the cell
        data = raw
    before = state(app)
    response = reporter.post(
        f"/cycles/{fuzz_world.cycle}/units/{fuzz_world.unit_a}/template",
        data={"workbook": (io.BytesIO(data), "自评.xlsx")},
        content_type="multipart/form-data",
    )
    check_all_or_nothing(app, before, response)


# --- the new-cycle upload -------------------------------------------------------------------

BASE_SET = yaml.safe_load(SET_PATH.read_text("utf-8"))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["linear", "threshold", "veto", "bonus", "county", "rate", "grade"]),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


PATHS = [p for p in _paths(BASE_SET) if p]


@st.composite
def indicator_sets(draw) -> str:
    """YAML text: the valid test set with a few random mutations, or random text."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.text(max_size=300))
    import copy

    data = copy.deepcopy(BASE_SET)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()):
                parent[path[-1]] = draw(scalars | st.lists(scalars, max_size=3))
            elif isinstance(parent, dict):
                del parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@FUZZ
@given(
    text_=indicator_sets(),
    year=st.sampled_from(["2026", "2027", "0", "-1", "", "x", "99999999999999999999"])
    | st.integers(1900, 2200).map(str),
    name=st.text(max_size=40) | st.just("名" * 201),
    filename=st.sampled_from(["set.yaml", "set.yml", "set.xlsx", "set.txt", "../set.yaml"]),
)
@example(text_=SET_PATH.read_text("utf-8"), year="2026", name="正常周期", filename="set.yaml")
@example(
    text_=SET_PATH.read_text("utf-8"), year="99999999999999999999", name="年", filename="set.yaml"
)
def test_fuzz_new_cycle_upload(app, as_user, fuzz_world, text_, year, name, filename):
    admin = as_user("admin")
    before = state(app)
    response = admin.post(
        "/cycles/new",
        data={
            "year": year,
            "name": name,
            "shipped_set": "",
            "previous": "0",
            "upload": (io.BytesIO(text_.encode("utf-8")), filename),
        },
        content_type="multipart/form-data",
    )
    after = check_all_or_nothing(app, before, response, may_create_cycle=True)
    if after.counts["Cycle"] > before.counts["Cycle"]:
        created = Cycle.select().order_by(Cycle.id.desc()).get()
        assert created.state == "draft"
        assert AuditEntry.select().where(AuditEntry.entity == "cycle").count() >= 1
