"""The delivery pages' forms. A secret field is always rendered empty: typing replaces the
stored secret, the tick beside it clears it, leaving both alone keeps it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, Regexp

from assess.core.enums import SmtpSecurity
from assess.core.labels import SMTP_SECURITY_LABELS
from assess.delivery.setup import SecretChange

EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("请填写有效的电子邮件地址"))
WEBHOOK = Regexp(r"^https?://[^\s]+$", message=_l("请填写以 https:// 开头的机器人地址"))


class ChannelSettingsForm(FlaskForm):
    """消息渠道设置: the SMTP server and which channels are on."""

    email_enabled = BooleanField(_l("启用电子邮件"))
    smtp_host = StringField(_l("SMTP 服务器"), validators=[Optional()])
    smtp_port = IntegerField(
        _l("端口"), default=587, validators=[NumberRange(1, 65535, _l("端口应为 1–65535"))]
    )
    smtp_security = SelectField(
        _l("加密方式"),
        choices=[SelectChoice(s.value, SMTP_SECURITY_LABELS[s]) for s in SmtpSecurity],
        default=SmtpSecurity.STARTTLS.value,
    )
    smtp_user = StringField(_l("SMTP 用户名"), validators=[Optional()])
    smtp_password = PasswordField(_l("SMTP 密码"), validators=[Optional()])
    clear_smtp_password = BooleanField(_l("清除已保存的密码"))
    smtp_from = StringField(_l("发件人地址"), validators=[Optional(), EMAIL])
    wecom_enabled = BooleanField(_l("启用企业微信群机器人"))
    dingtalk_enabled = BooleanField(_l("启用钉钉群机器人"))

    def plain(self) -> dict:
        return {
            "email_enabled": bool(self.email_enabled.data),
            "smtp_host": (self.smtp_host.data or "").strip(),
            "smtp_port": int(self.smtp_port.data),
            "smtp_security": self.smtp_security.data,
            "smtp_user": (self.smtp_user.data or "").strip(),
            "smtp_from": (self.smtp_from.data or "").strip(),
            "wecom_enabled": bool(self.wecom_enabled.data),
            "dingtalk_enabled": bool(self.dingtalk_enabled.data),
        }

    def secrets(self) -> dict[str, SecretChange]:
        return {
            "smtp_password": SecretChange(
                self.smtp_password.data or "", bool(self.clear_smtp_password.data)
            )
        }


class UnitContactForm(FlaskForm):
    """单位联系方式: the unit's mailbox and its two group robots."""

    email = StringField(_l("单位邮箱"), validators=[Optional(), EMAIL])
    wecom_webhook = PasswordField(_l("企业微信群机器人地址"), validators=[Optional(), WEBHOOK])
    clear_wecom_webhook = BooleanField(_l("清除企业微信群机器人"))
    dingtalk_webhook = PasswordField(_l("钉钉群机器人地址"), validators=[Optional(), WEBHOOK])
    clear_dingtalk_webhook = BooleanField(_l("清除钉钉群机器人"))
    dingtalk_secret = PasswordField(_l("钉钉加签密钥"), validators=[Optional()])
    clear_dingtalk_secret = BooleanField(_l("清除钉钉加签密钥"))

    def secrets(self) -> dict[str, SecretChange]:
        return {
            name: SecretChange(
                (getattr(self, name).data or "").strip(),
                bool(getattr(self, f"clear_{name}").data),
            )
            for name in ("wecom_webhook", "dingtalk_webhook", "dingtalk_secret")
        }


class ChoicesForm(FlaskForm):
    """A grid of kind × channel ticks (the defaults, or a person's own), read from the
    posted ``on`` values ``kind/channel``; this form carries the CSRF token."""


class PreferencesForm(FlaskForm):
    """接收设置: a person's e-mail address (the ticks come as in ``ChoicesForm``)."""

    email = StringField(_l("我的电子邮箱"), validators=[Optional(), EMAIL])


class RetryForm(FlaskForm):
    """重新投递: nothing but the CSRF token."""
