"""WTForms for accounts and units. Validation of shape lives here; rules live in the domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from assess.models import ROLES, UNIT_KINDS


def role_labels() -> list[tuple[str, str]]:
    labels = {
        "admin": _l("管理员（领导小组办公室）"),
        "inspector": _l("督查员/评审专家"),
        "reporter": _l("填报员"),
        "viewer": _l("领导（查看）"),
    }
    return [(r, labels[r]) for r in ROLES]


def kind_labels() -> list[tuple[str, str]]:
    labels = {
        "city": _l("市"),
        "county": _l("县（市、区）"),
        "department": _l("成员单位"),
        "township": _l("乡（镇、办）"),
        "community": _l("社区（村）"),
    }
    return [(k, labels[k]) for k in UNIT_KINDS]


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("确认新密码"), validators=[DataRequired(), EqualTo("new", message=_l("两次输入不一致"))]
    )


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("角色"), choices=role_labels)
    unit = SelectField(_l("所属单位"), coerce=int, choices=[])
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(min=8, max=200)])
    active = BooleanField(_l("启用"), default=True)


class UnitForm(FlaskForm):
    code = StringField(_l("单位编码"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("单位名称"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("单位类型"), choices=kind_labels)
    parent = SelectField(_l("上级单位"), coerce=int, choices=[])
    contact_person = StringField(_l("联系人"), validators=[Optional(), Length(max=50)])
    contact_title = StringField(_l("职务"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=50)])
    sort_order = IntegerField(_l("排序"), default=0, validators=[Optional()])
    active = BooleanField(_l("启用"), default=True)


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
