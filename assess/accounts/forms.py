"""Sign-in, password and user forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from assess.accounts.tokens import DEFAULT_DAYS, MAX_DAYS
from assess.core.labels import role_choices


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("确认新密码"), validators=[DataRequired(), EqualTo("new", message=_l("两次输入不一致"))]
    )


class ApiTokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[DataRequired(), Length(max=64)])
    scope = SelectField(
        _l("权限"), choices=[("read", _l("只读")), ("write", _l("读写"))], default="read"
    )
    days = IntegerField(
        _l("有效期（天）"),
        default=DEFAULT_DAYS,
        validators=[DataRequired(), NumberRange(min=1, max=MAX_DAYS)],
    )


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("角色"), choices=role_choices)
    unit = SelectField(_l("所属单位"), coerce=int, choices=[])
    # Not named after the column: a form posted without it (an older page) keeps no scope.
    scope = SelectField(_l("管辖范围"), coerce=int, choices=[], default=0)
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(min=8, max=200)])
    active = BooleanField(_l("启用"), default=True)


class ServiceAccountForm(FlaskForm):
    username = StringField(_l("账号名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(
        _l("用途（对接的系统）"), validators=[DataRequired(), Length(max=64)]
    )
    # Read-only leader by default: a system is given more only when the office chooses it.
    role = SelectField(_l("角色"), choices=role_choices, default="viewer")
    unit = SelectField(_l("所属单位"), coerce=int, choices=[])
    scope = SelectField(_l("管辖范围"), coerce=int, choices=[], default=0)


class AccountActiveForm(FlaskForm):
    """Enable or disable a service account; a disabled account's tokens stop working."""

    active = BooleanField(_l("启用"))
