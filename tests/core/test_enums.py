"""The vocabulary: enum values are the strings already stored, and each has a label people
read in Chinese and in English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template_string, session

from assess.accounts.models import User
from assess.core import enums, labels
from assess.core.enums import (
    AppealState,
    CycleState,
    DeliveryChannel,
    DeliveryState,
    JobState,
    Light,
    NominationState,
    NomineeKind,
    NotificationKind,
    RectificationState,
    ReminderThreshold,
    ReportProgress,
    ReviewSheetState,
    Role,
    RoundPhase,
    SmtpSecurity,
    SubmissionState,
    UnitKind,
)
from assess.cycles.lifecycle import TRANSITIONS
from assess.cycles.models import Appeal, Cycle, Rectification, Submission
from assess.delivery.models import ChannelSettings, Delivery
from assess.nominations.models import Nomination, NominationCategory, ReviewSheet
from assess.units.models import Unit

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")

# What the database, the report jobs' files and the audit trail hold today, written out
# so that renaming a member's value fails here: that change needs a data migration.
STORED = {
    Role: ("admin", "inspector", "reporter", "viewer"),
    UnitKind: ("city", "county", "department", "township", "community"),
    CycleState: ("draft", "open", "review", "published", "archived"),
    SubmissionState: ("draft", "submitted", "returned", "verified"),
    RectificationState: ("open", "responded", "closed"),
    AppealState: ("open", "upheld", "rejected"),
    ReportProgress: ("not_started", "filling", "submitted", "returned", "verified", "published"),
    Light: ("green", "yellow", "red"),
    NomineeKind: ("unit", "person"),
    NominationState: ("submitted", "withdrawn"),
    RoundPhase: ("preparing", "nominating", "closed", "reviewing", "confirmed"),
    ReviewSheetState: ("assigned", "draft", "submitted"),
    JobState: ("queued", "running", "done", "failed"),
    NotificationKind: (
        "item_returned",
        "rectification_demanded",
        "deadline_near",
        "deadline_passed",
        "chase",
        "rectification_closed",
        "rectification_overdue",
        "cycle_opened",
        "cycle_published",
        "cycle_republished",
        "review_assigned",
        "batch_done",
        "batch_failed",
        "appeal_filed",
        "appeal_answered",
    ),
    ReminderThreshold: ("7", "3", "1", "passed"),
    DeliveryChannel: ("email", "wecom", "dingtalk"),
    DeliveryState: ("pending", "sent", "failed"),
    SmtpSecurity: ("starttls", "ssl", "none"),
}
# (frozen migration class, column) -> the enum its values come from.
MIGRATED_DEFAULTS = {
    ("Cycle", "state"): (CycleState, Cycle.state),
    ("Submission", "status"): (SubmissionState, Submission.status),
    ("Rectification", "status"): (RectificationState, Rectification.status),
    ("Appeal", "state"): (AppealState, Appeal.state),
    ("NominationCategory", "nominee_kind"): (NomineeKind, NominationCategory.nominee_kind),
    ("Nomination", "nominee_kind"): (NomineeKind, Nomination.nominee_kind),
    ("Nomination", "status"): (NominationState, Nomination.status),
    ("ReviewSheet", "status"): (ReviewSheetState, ReviewSheet.status),
    ("Delivery", "state"): (DeliveryState, Delivery.state),
    ("ChannelSettings", "smtp_security"): (SmtpSecurity, ChannelSettings.smtp_security),
}


@pytest.mark.pure
def test_every_enum_is_listed_and_labelled():
    assert set(enums.ALL_ENUMS) == set(STORED) == set(labels.LABELS)


@pytest.mark.pure
@pytest.mark.parametrize("enum", enums.ALL_ENUMS, ids=lambda e: e.__name__)
def test_values_are_the_stored_strings(enum):
    assert tuple(member.value for member in enum) == STORED[enum]
    for member in enum:
        # What a column read back gives is a plain str: it must compare and hash alike.
        plain = str(member.value)
        assert member == plain and hash(member) == hash(plain)
        assert str(member) == f"{member}" == plain


def _migration_defaults() -> dict[tuple[str, str], list[str]]:
    """(class, field) -> every ``default="…"`` the frozen migrations give that column."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted((ROOT / "migrations").glob("[0-9]*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            for statement in node.body:
                if not (
                    isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)
                ):
                    continue
                for keyword in statement.value.keywords:
                    if keyword.arg == "default" and isinstance(keyword.value, ast.Constant):
                        for target in statement.targets:
                            key = (node.name, getattr(target, "id", ""))
                            found.setdefault(key, []).append(keyword.value.value)
    return found


@pytest.mark.pure
def test_the_frozen_migrations_default_to_members_and_the_models_agree():
    frozen = _migration_defaults()
    for (model, column), (enum, field) in MIGRATED_DEFAULTS.items():
        assert (model, column) in frozen, f"{model}.{column} has no default in migrations/"
        for value in frozen[(model, column)]:
            assert value in STORED[enum], f"{model}.{column} default {value!r}"
            assert field.default == value, f"{model}.{column}"
            # peewee would store whatever the default is: keep it the plain value.
            assert type(field.default) is str, f"{model}.{column}"


@pytest.mark.pure
def test_model_choices_are_the_enum_values():
    assert [value for value, _label in Unit.kind.choices] == list(STORED[UnitKind])
    assert [value for value, _label in User.role.choices] == list(STORED[Role])


@pytest.mark.pure
def test_state_groups_hold_members_of_one_enum():
    groups = {
        name: value
        for name, value in vars(enums).items()
        if name.endswith(("_STATES", "_PHASES", "_KINDS"))
    }
    assert len(groups) >= 8
    for name, group in groups.items():
        assert group, name
        assert len({type(member) for member in group}) == 1, name
    assert enums.EDITABLE_SUBMISSION_STATES.isdisjoint(enums.HANDED_IN_SUBMISSION_STATES)
    assert enums.HANDED_IN_SUBMISSION_STATES < enums.COUNTED_SUBMISSION_STATES
    assert SubmissionState.DRAFT not in enums.COUNTED_SUBMISSION_STATES
    assert UnitKind.CITY not in enums.ASSESSED_UNIT_KINDS
    assert enums.BEFORE_CLOSE_ROUND_PHASES.isdisjoint(enums.ASSIGNABLE_ROUND_PHASES)


@pytest.mark.pure
def test_cycle_transitions_cover_every_state():
    assert set(TRANSITIONS) == set(CycleState)
    assert all(set(targets) <= set(CycleState) for targets in TRANSITIONS.values())


# ---------------------------------------------------------------- labels


@pytest.fixture(scope="module")
def english_app(tmp_path_factory):
    """The app with the English catalogue compiled from the .po in git."""
    from assess import create_app

    folder = tmp_path_factory.mktemp("translations")
    po = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalogue = read_po(f)
    mo = folder / "en" / "LC_MESSAGES" / "messages.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as f:
        write_mo(f, catalogue)
    instance = tmp_path_factory.mktemp("instance")
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "ASSESS_INSTANCE": str(instance),
            "DATABASE_URL": f"sqlite:///{instance}/assess.db",
            "BABEL_TRANSLATION_DIRECTORIES": str(folder),
        }
    )


def _rendered(english: bool) -> dict[tuple[str, str], str]:
    if english:
        session["locale"] = "en"
    return {
        (enum.__name__, member.value): str(table[member])
        for enum, table in labels.LABELS.items()
        for member in enum
    }


@pytest.mark.pure
def test_every_value_has_a_chinese_and_an_english_label(english_app):
    for enum, table in labels.LABELS.items():
        assert set(table) == set(enum), enum.__name__
    with english_app.test_request_context():
        chinese = _rendered(english=False)
    with english_app.test_request_context():
        english = _rendered(english=True)
    for key, text in chinese.items():
        assert CJK.search(text), f"{key}: {text!r} is not Chinese"
        assert english[key].strip() and not CJK.search(english[key]), f"{key}: {english[key]!r}"


@pytest.mark.pure
def test_label_functions_take_the_plain_stored_string(english_app):
    with english_app.test_request_context():
        assert labels.cycle_state_label("open") == "自评填报中"
        assert labels.rectification_state_label("open") == "待整改"
        assert labels.submission_state_label("returned") == "已退回"
        assert labels.submission_state_label(None) == "未填报"
        assert labels.review_sheet_state_label(ReviewSheetState.ASSIGNED) == "未开始"
        assert labels.unit_kind_label("county") == "县（市、区）"
        assert labels.round_phase_label("closed") == "提名已截止，待分配评审"
        assert labels.role_label("no-such-role") == "no-such-role"  # shown as is, not an error
        assert labels.role_choices()[0][0] == "admin"
        assert [value for value, _label in labels.unit_kind_choices()] == list(STORED[UnitKind])


@pytest.mark.pure
def test_templates_see_the_enums_groups_and_labels(english_app):
    source = (
        "{{ cycle_state_label(state) }}|{{ state == CycleState.OPEN }}|"
        "{{ 'verified' in HANDED_IN_SUBMISSION_STATES }}|{{ 'draft' in RESULT_CYCLE_STATES }}|"
        "{{ review_sheet_state_label(ReviewSheetState.SUBMITTED) }}"
    )
    with english_app.test_request_context():
        assert render_template_string(source, state="open") == "自评填报中|True|True|False|已提交"
    globals_ = english_app.jinja_env.globals
    assert all(enum.__name__ in globals_ for enum in enums.ALL_ENUMS)
    assert all(name in globals_ for name in labels.TEMPLATE_GLOBALS)


def test_a_member_is_stored_as_its_value(db):
    unit = Unit.create(code="e1", name="甲县", kind=UnitKind.COUNTY)
    Cycle.create(year=2030, name="枚举", state=CycleState.OPEN)
    units, cycles = Unit._meta.table_name, Cycle._meta.table_name
    sql = f"SELECT kind FROM {units} WHERE id = {db.param}"
    assert tuple(db.execute_sql(sql, (unit.id,)).fetchone()) == ("county",)
    assert tuple(db.execute_sql(f"SELECT state FROM {cycles}").fetchone()) == ("open",)
    again = Unit.get_by_id(unit.id)
    assert again.kind == UnitKind.COUNTY and type(again.kind) is str
