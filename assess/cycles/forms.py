"""The cycle's forms: new cycle, transitions, overrides, review, rectification, and the
self-report page's one form."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from assess.core.formatting import plain_number
from assess.cycles.submissions import Draft, value_text_from_form
from assess.evidence import attachments
from assess.evidence.storage import EvidenceStore, StoredFile


class CycleForm(FlaskForm):
    year = IntegerField(_l("考核年度"), validators=[DataRequired(), NumberRange(2000, 2100)])
    name = StringField(_l("周期名称"), validators=[Optional(), Length(max=200)])
    shipped_set = SelectField(_l("选用内置指标体系"), choices=[])
    upload = FileField(_l("或上传指标体系文件（YAML 或 Excel）"))
    self_report_due = DateField(_l("自评截止日期"), validators=[Optional()])
    review_due = DateField(_l("核查截止日期"), validators=[Optional()])
    previous = SelectField(_l("上一考核周期（用于同比）"), coerce=int, choices=[])


class TransitionForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[Optional(), Length(max=2000)])


class DeadlineForm(FlaskForm):
    self_report_due = DateField(_l("自评截止日期"), validators=[Optional()])
    review_due = DateField(_l("核查截止日期"), validators=[Optional()])
    reason = TextAreaField(_l("修改原因"), validators=[DataRequired(), Length(max=2000)])


class ExtensionForm(FlaskForm):
    unit = SelectField(_l("单位"), coerce=int, choices=[], validate_choice=False)
    due = DateField(_l("延期至"), validators=[DataRequired()])
    reason = TextAreaField(_l("延期原因"), validators=[DataRequired(), Length(max=2000)])


class RevokeExtensionForm(FlaskForm):
    reason = StringField(_l("撤销原因"), validators=[DataRequired(), Length(max=2000)])


class OverrideForm(FlaskForm):
    target = DecimalField(_l("目标值"), validators=[Optional()])
    weight = DecimalField(_l("权重"), validators=[Optional()])


class ReviewForm(FlaskForm):
    # The version the inspector's page was built from: a hidden field, so a concurrent
    # change is detected instead of overwritten.
    version = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    verified_value = StringField(_l("核定值"), validators=[Optional(), Length(max=100)])
    reason = TextAreaField(_l("核定理由"), validators=[Optional(), Length(max=2000)])
    deduction = DecimalField(_l("扣分"), validators=[Optional()])
    deduction_reason = TextAreaField(_l("扣分原因"), validators=[Optional(), Length(max=2000)])
    return_reason = TextAreaField(_l("退回原因"), validators=[Optional(), Length(max=2000)])


class RectificationForm(FlaskForm):
    indicator_code = SelectField(_l("相关指标"), choices=[])
    demand = TextAreaField(_l("整改要求"), validators=[DataRequired(), Length(max=5000)])
    due_date = DateField(_l("整改期限"), validators=[DataRequired()])


class ResponseForm(FlaskForm):
    response = TextAreaField(_l("整改情况"), validators=[DataRequired(), Length(max=5000)])


class CloseForm(FlaskForm):
    note = TextAreaField(_l("关闭说明"), validators=[Optional(), Length(max=2000)])


class SelfReportPost:
    """The self-report page's one form as posted (自评填报): a draft per editable item, the
    item its 保存此项 button named (None for 保存全部), a pending file to drop (移除) and a
    saved one to delete (删除).

    Uploads are checked and stored here, each file on its own: a good one is kept as a
    pending file of its item (待保存, carried on the page as a signed token), a refused one
    becomes that item's file error. Fields are named ``value-A1``, ``narrative-A1`` ….
    """

    def __init__(self, form, files, items, scope: str, secret: str, store: EvidenceStore):
        self.target = form.get("save") or None
        self.dropped = form.get("drop") or None
        self.removed = form.get("remove", type=int)  # a saved evidence file to delete
        self.drafts: dict[str, Draft] = {}
        self.pending: dict[str, list[tuple[str, StoredFile]]] = {}
        for item in items:
            code = item.indicator.code
            if f"version-{code}" not in form:
                continue  # not on the page that was sent: nothing typed, nothing to clear
            draft = read_draft(form, item)
            kept = [
                (token, stored)
                for token in form.getlist(f"pending-{code}")
                if token != self.dropped
                and (stored := attachments.pending_file(token, f"{scope}/{code}", secret, store))
            ]
            for upload in [f for f in files.getlist(f"files-{code}") if f and f.filename]:
                try:
                    stored = attachments.stash_upload(upload, store)
                except attachments.EvidenceError as exc:
                    draft.file_error = str(exc)
                else:
                    token = attachments.pending_token(stored, f"{scope}/{code}", secret)
                    kept.append((token, stored))
            if len(kept) > attachments.MAX_FILES_PER_UPLOAD:
                draft.file_error = _(
                    "一次最多上传 %(n)s 个文件", n=attachments.MAX_FILES_PER_UPLOAD
                )
            draft.files = [stored for _token, stored in kept]
            self.drafts[code], self.pending[code] = draft, kept

    def forget(self, codes: set[str]) -> None:
        """Drop the drafts and pending files of items just saved."""
        for code in codes:
            self.drafts.pop(code, None)
            self.pending.pop(code, None)

    def chosen(self) -> list[Draft]:
        """The drafts this post asks to save: one item's, or every item's."""
        return [d for code, d in self.drafts.items() if self.target in (None, code)]


def read_draft(form, item) -> Draft:
    """One item's draft from the page's fields (no files)."""
    code = item.indicator.code
    text = value_text_from_form(
        item.indicator,
        form.get(f"value-{code}", ""),
        form.get(f"numerator-{code}", ""),
        form.get(f"denominator-{code}", ""),
    )
    # A field without a version was built from nothing saved: 0, never "overwrite anything".
    version = form.get(f"version-{code}", 0, type=int)
    return Draft(code, text, form.get(f"narrative-{code}", ""), version)


class QueueFilterForm(FlaskForm):
    """The inspection queue's filters: a GET form (nothing changes, so no CSRF token), its
    values in the query string so that they survive the review pages in between."""

    class Meta:
        csrf = False

    unit = SelectField(_l("单位"), choices=[], validate_choice=False)
    category = SelectField(_l("类别"), choices=[], validate_choice=False)
    status = SelectField(_l("状态"), choices=[], validate_choice=False)
    deducted = BooleanField(_l("仅看有扣分"))
    overdue = BooleanField(_l("仅看逾期"))


class AppealForm(FlaskForm):
    """A unit's appeal (复核申诉): the indicators are the page's checkboxes (``codes``),
    the evidence its file input (``files``)."""

    reason = TextAreaField(_l("申诉理由"), validators=[DataRequired(), Length(max=5000)])


class AnswerForm(FlaskForm):
    """An answer to an appeal: upheld with the corrected 核定值 and 扣分, or rejected."""

    outcome = SelectField(
        _l("答复结论"),
        choices=[("upheld", _l("申诉成立，改正得分")), ("rejected", _l("申诉不成立"))],
        validators=[DataRequired()],
    )
    answer = TextAreaField(_l("答复意见"), validators=[DataRequired(), Length(max=5000)])
    verified_value = StringField(_l("改正后的核定值"), validators=[Optional(), Length(max=100)])
    deduction = DecimalField(_l("改正后的扣分"), validators=[Optional()])
    deduction_reason = TextAreaField(_l("扣分原因"), validators=[Optional(), Length(max=2000)])


class AppealDueForm(FlaskForm):
    appeal_due = DateField(_l("申诉截止日期"), validators=[Optional()])
    reason = TextAreaField(
        _l("修改申诉截止日期的原因"), validators=[DataRequired(), Length(max=2000)]
    )


class SampleForm(FlaskForm):
    """The spot-check draw (双随机抽查): how many items, how many of them at random, and
    the seed (a fresh random one when left empty, so that nobody picks it)."""

    rate = DecimalField(
        _l("抽取比例"),
        default=Decimal("0.1"),
        places=None,
        validators=[DataRequired(), NumberRange(min=Decimal("0.01"), max=1)],
    )
    random_share = DecimalField(
        _l("纯随机抽取的比例"),
        default=Decimal("0.3"),
        places=None,
        validators=[DataRequired(), NumberRange(min=Decimal("0.05"), max=1)],
    )
    seed = IntegerField(
        _l("随机种子（留空则自动生成）"), validators=[Optional(), NumberRange(min=0, max=2**63)]
    )


class WhatIfForm(FlaskForm):
    """The what-if page (权重模拟): the published cycle to compare with, and one weight box
    per scored indicator of the draft set, named ``weight-<code>`` (added by
    :meth:`for_set`). Submitting re-simulates; nothing is saved."""

    baseline = SelectField(_l("比较的已公布考核周期"), coerce=int, choices=[])

    @classmethod
    def for_set(cls, indicator_set, baselines, **kwargs) -> WhatIfForm:
        """The form for ``indicator_set``'s scored indicators, each box holding its saved
        weight until something else is typed, and ``baselines`` (cycles) to choose from."""
        fields = {
            f"weight-{i.code}": StringField(
                f"{i.code} {i.name}", default=plain_number(i.weight), validators=[Length(max=20)]
            )
            for i in indicator_set.indicators()
            if i.is_base
        }
        form = type("WhatIfWeights", (cls,), fields)(**kwargs)
        form.baseline.choices = [(c.id, c.title) for c in baselines]
        return form

    def weight_fields(self) -> list:
        return [field for field in self if field.name.startswith("weight-")]

    def typed_weights(self) -> dict[str, str]:
        """Indicator code -> the text of its box."""
        return {f.name.removeprefix("weight-"): f.data or "" for f in self.weight_fields()}
