"""The bodies the API's writes take and answer (marshmallow); unknown fields are refused,
every message in Chinese, as for the query arguments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, validate

from assess.core.enums import CycleState

MAX_NARRATIVE = 5000
REQUIRED = {"required": _l("必填。"), "null": _l("不能为空。"), "invalid": _l("须为文本。")}


class BodySchema(Schema):
    error_messages = {"unknown": _l("没有这个字段。"), "type": _l("须为 JSON 对象。")}

    class Meta:
        unknown = RAISE


class ItemWriteSchema(BodySchema):
    """A reporter's value and account (情况说明) for one indicator, as on the form."""

    value = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=validate.Length(max=100, error=_l("不能超过 {max} 个字符。")),
        metadata={
            "description": "The self-reported value (自评值) as text: a number, a rate as "
            "`numerator/denominator` or a percent, 是/否, a grade; empty clears it.",
            "example": "95/100",
        },
    )
    narrative = fields.String(
        load_default="",
        error_messages=REQUIRED,
        validate=validate.Length(max=MAX_NARRATIVE, error=_l("不能超过 {max} 个字符。")),
        metadata={"description": "The account of the value (情况说明)."},
    )


class EvidenceFileSchema(Schema):
    """One evidence file (佐证材料) of an item, as the page lists it."""

    name = fields.String(required=True, metadata={"description": "The name it was sent with."})
    size = fields.Integer(required=True, metadata={"description": "Bytes."})
    mime = fields.String(required=True, metadata={"description": "As read from its content."})
    uploaded_at = fields.DateTime(required=True)


class EvidenceUploadSchema(Schema):
    """Evidence files sent as ``multipart/form-data`` under the name ``files``."""

    files = fields.List(
        Upload(),
        required=True,
        error_messages=REQUIRED,
        metadata={"description": "One or more files: PDF, images, Office documents."},
    )


class ItemSchema(Schema):
    """One indicator of a unit's self-report; its ETag is ``version``."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    measure = fields.String(required=True)
    value = fields.String(required=True, metadata={"description": "'' while not reported."})
    narrative = fields.String(required=True)
    status = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "draft, submitted, returned, verified; null: never saved."},
    )
    return_reason = fields.String(required=True)
    version = fields.Integer(
        required=True, metadata={"description": "0 for an item never saved; the ETag."}
    )
    updated_at = fields.DateTime(required=True, allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceFileSchema), required=True)
    warning = fields.String(
        allow_none=True, metadata={"description": "A plausibility warning after a save."}
    )


class SubmitResultSchema(Schema):
    submitted = fields.Integer(required=True, metadata={"description": "Items handed in."})


class TransitionSchema(BodySchema):
    """A cycle's move to another state (publishing goes through the pre-publish check)."""

    to = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=validate.OneOf(
            [CycleState.OPEN.value, CycleState.REVIEW.value, CycleState.ARCHIVED.value],
            error=_l("须为 open、review 或 archived 之一。"),
        ),
    )
    reason = fields.String(
        load_default="",
        error_messages=REQUIRED,
        validate=validate.Length(max=500, error=_l("不能超过 {max} 个字符。")),
        metadata={"description": "Required to reopen a cycle under review (重新开放填报)."},
    )
