"""WTForms for accounts and units. Validation of shape lives here; rules live in the domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

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
