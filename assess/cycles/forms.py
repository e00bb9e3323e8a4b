"""The cycle's forms: new cycle, transitions, overrides, review, rectification."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput


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
