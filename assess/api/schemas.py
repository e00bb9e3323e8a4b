"""The API's request and response schemas (marshmallow); the OpenAPI document is built
from them, so what is documented is what is validated and sent."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, fields, validate

from assess.core.enums import CycleState, ReportProgress, RoundPhase, SubmissionState

MAX_PER_PAGE = 100
NOT_AN_INTEGER = {"invalid": _l("须为整数。"), "null": _l("不能为空。")}
OUT_OF_RANGE = _l("须在 {min} 到 {max} 之间。")
FORMATS = ("json", "csv", "xlsx")
NOT_A_FORMAT = _l("须为 json、csv 或 xlsx。")
#: A decimal sent as text (``"92.50"``, exact); the exports write it as a number.
DECIMAL = {"description": "A decimal, as text.", "format": "decimal"}
NOT_ONE_OF = _l("须为以下之一：{choices}。")


def one_of(enum) -> validate.OneOf:
    return validate.OneOf([m.value for m in enum], error=NOT_ONE_OF)


class ArgsSchema(Schema):
    """Query arguments. An unknown parameter is refused, not ignored: a misspelt
    ``perpage=10`` would otherwise quietly answer 50 items. Messages are Chinese, per field."""

    error_messages = {"unknown": _l("没有这个参数。")}

    class Meta:
        unknown = RAISE


class PageArgs(ArgsSchema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=1_000_000, error=OUT_OF_RANGE),
        error_messages=NOT_AN_INTEGER,
        metadata={"example": 1},
    )
    per_page = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=MAX_PER_PAGE, error=OUT_OF_RANGE),
        error_messages=NOT_AN_INTEGER,
        metadata={"description": f"Items per page, at most {MAX_PER_PAGE}."},
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(FORMATS, error=NOT_A_FORMAT),
        metadata={
            "description": "json: one page; csv or xlsx: the whole list as a table to "
            "download (page and per_page do not apply)."
        },
    )


class PageSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Items on every page."})


class UnitSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    parent_id = fields.Integer(required=True, allow_none=True)
    depth = fields.Integer(
        required=True, metadata={"description": "0 for a unit whose parent is not listed."}
    )
    active = fields.Boolean(required=True)


class UnitPage(PageSchema):
    items = fields.List(fields.Nested(UnitSchema), required=True)


class CycleSchema(Schema):
    id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in CycleState]))
    owner_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The unit whose office runs the cycle; null: the city."},
    )
    self_report_due = fields.Date(required=True, allow_none=True)
    review_due = fields.Date(required=True, allow_none=True)
    published_at = fields.DateTime(required=True, allow_none=True)


class CyclePage(PageSchema):
    items = fields.List(fields.Nested(CycleSchema), required=True)


class IndicatorScoreSchema(Schema):
    code = fields.String(required=True)
    score = fields.String(required=True, metadata=DECIMAL)
    value = fields.String(
        required=True, allow_none=True, metadata={"description": "The value scored."}
    )
    missing = fields.Boolean(required=True)
    deduction = fields.String(
        required=True,
        allow_none=True,
        metadata={**DECIMAL, "description": "Verified deduction (核减), a decimal as text."},
    )
    explanation = fields.String(
        required=True,
        metadata={"description": "How the score was reached (得分依据), as the report prints it."},
    )


class UnitResultSchema(Schema):
    unit_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    unit_name = fields.String(required=True)
    kind = fields.String(required=True)
    total = fields.String(required=True, metadata=DECIMAL)
    grade = fields.String(required=True)
    rank = fields.Integer(required=True, allow_none=True)
    veto = fields.Boolean(required=True)
    scores = fields.List(fields.Nested(IndicatorScoreSchema), required=True)


class ResultPage(PageSchema):
    cycle = fields.Nested(CycleSchema, required=True)
    snapshot_version = fields.Integer(required=True)
    snapshot_published_at = fields.DateTime(required=True)
    items = fields.List(fields.Nested(UnitResultSchema), required=True)


class IndicatorSetArgs(PageArgs):
    state = fields.String(
        validate=one_of(CycleState), metadata={"description": "Only the sets of cycles in it."}
    )


class IndicatorSetSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "The cycle's id."})
    cycle_name = fields.String(required=True)
    cycle_year = fields.Integer(required=True)
    cycle_state = fields.String(required=True, validate=one_of(CycleState))
    program = fields.String(required=True, allow_none=True, metadata={"description": "项目"})
    year = fields.Integer(required=True, allow_none=True)
    source = fields.String(
        required=True, allow_none=True, metadata={"description": "The set's policy document."}
    )
    indicators = fields.Integer(required=True)
    frozen = fields.Boolean(
        required=True, metadata={"description": "Opened cycles' sets no longer change."}
    )


class IndicatorSetPage(PageSchema):
    items = fields.List(fields.Nested(IndicatorSetSchema), required=True)


class IndicatorArgs(PageArgs):
    category = fields.String(
        validate=validate.Length(min=1, max=32, error=OUT_OF_RANGE),
        metadata={"description": "Only this category's (一级指标) indicators, by its code."},
    )


class IndicatorSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    category_code = fields.String(required=True)
    category_name = fields.String(required=True)
    applies_to = fields.List(fields.String(), required=True)
    rule = fields.String(required=True)
    measure = fields.String(required=True)
    unit = fields.String(required=True)
    direction = fields.String(required=True)
    target = fields.String(required=True, allow_none=True, metadata=DECIMAL)
    weight = fields.String(required=True, metadata=DECIMAL)
    source = fields.String(required=True, metadata={"description": "The policy clause (政策依据)."})
    evidence = fields.List(fields.String(), required=True)


class IndicatorPage(PageSchema):
    indicator_set = fields.Nested(IndicatorSetSchema, required=True)
    items = fields.List(fields.Nested(IndicatorSchema), required=True)


class SubmissionStatusArgs(PageArgs):
    status = fields.String(validate=one_of(ReportProgress))


class SubmissionStatusSchema(Schema):
    unit_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    unit_name = fields.String(required=True)
    status = fields.String(required=True, validate=one_of(ReportProgress))
    complete = fields.Boolean(required=True)
    assigned = fields.Integer(required=True)
    filled = fields.Integer(required=True)
    submitted = fields.Integer(required=True, metadata={"description": "Waiting for review."})
    verified = fields.Integer(required=True)
    returned = fields.Integer(required=True)
    self_report_due = fields.Date(required=True, allow_none=True)
    submitted_at = fields.DateTime(
        required=True, allow_none=True, metadata={"description": "Null until complete."}
    )


class SubmissionStatusPage(PageSchema):
    cycle = fields.Nested(CycleSchema, required=True)
    items = fields.List(fields.Nested(SubmissionStatusSchema), required=True)


class SelfReportItemSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    category_code = fields.String(required=True)
    status = fields.String(
        required=True,
        allow_none=True,
        validate=one_of(SubmissionState),
        metadata={"description": "Null while nothing is saved (未填报)."},
    )
    value = fields.String(required=True, allow_none=True)
    narrative = fields.String(required=True)
    target = fields.String(required=True, allow_none=True, metadata=DECIMAL)
    weight = fields.String(required=True, metadata=DECIMAL)
    evidence = fields.Integer(required=True, metadata={"description": "Files attached."})
    updated_at = fields.DateTime(required=True, allow_none=True)
    submitted_at = fields.DateTime(required=True, allow_none=True)


class SelfReportPage(PageSchema):
    cycle = fields.Nested(CycleSchema, required=True)
    unit_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    unit_name = fields.String(required=True)
    items = fields.List(fields.Nested(SelfReportItemSchema), required=True)


class RoundArgs(PageArgs):
    phase = fields.String(validate=one_of(RoundPhase))


class RoundSchema(Schema):
    id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    title = fields.String(required=True)
    window_opens = fields.Date(required=True)
    window_closes = fields.Date(required=True)
    top_n = fields.Integer(required=True)
    phase = fields.String(required=True, validate=one_of(RoundPhase))
    nominations = fields.Integer(
        required=True, metadata={"description": "Active nominations; a reporter's: its own."}
    )


class RoundPage(PageSchema):
    items = fields.List(fields.Nested(RoundSchema), required=True)


class AwardeeSchema(Schema):
    category_id = fields.Integer(required=True)
    category_name = fields.String(required=True)
    place = fields.Integer(required=True, metadata={"description": "Place in its category."})
    nomination_id = fields.Integer(required=True)
    nominee_name = fields.String(required=True)
    nominee_kind = fields.String(required=True)
    work_unit = fields.String(required=True)
    position = fields.String(required=True)
    unit_id = fields.Integer(required=True)
    unit_name = fields.String(required=True)
    rank = fields.Integer(required=True, allow_none=True, metadata={"description": "总排名"})
    score = fields.String(required=True, allow_none=True, metadata=DECIMAL)


class AwardPage(PageSchema):
    round_id = fields.Integer(required=True)
    round_title = fields.String(required=True)
    year = fields.Integer(required=True)
    confirmed_at = fields.DateTime(required=True)
    items = fields.List(fields.Nested(AwardeeSchema), required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details, with the Chinese title and message of the error page."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    request_id = fields.String()
    errors = fields.Dict(metadata={"description": "Invalid parameters, by location and name."})
