"""The notification pages' forms: 全部标为已读 (a CSRF token only) and the 催报 form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length

from assess.notifications.chase import MAX_MESSAGE_CHARS


class MarkAllReadForm(FlaskForm):
    """全部标为已读: nothing but the CSRF token."""


class ChaseForm(FlaskForm):
    """催报: the units chosen (their ids, as checkboxes) and the message to their reporters."""

    units = SelectMultipleField(
        _l("催报单位"),
        coerce=int,
        choices=[],
        # A unit outside the cycle is refused by the service, with its message in Chinese.
        validate_choice=False,
        validators=[DataRequired(_l("请选择要催报的单位"))],
    )
    message = TextAreaField(
        _l("催报内容"),
        validators=[DataRequired(_l("请填写催报内容")), Length(max=MAX_MESSAGE_CHARS)],
    )
