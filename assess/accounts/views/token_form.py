"""The token form shared by one's own 接口令牌 page and a service account's page."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _

from assess.accounts import tokens
from assess.accounts.forms import ApiTokenForm


def issue_from_form(holder, actor) -> tuple[ApiTokenForm, tokens.IssuedToken | None]:
    """The form to show and, when it was posted and valid, the token made for ``holder``
    (its secret is shown on this response only: the form comes back empty)."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return form, None
    try:
        issued = tokens.create_token(
            holder, form.name.data, form.scope.data, form.days.data, actor=actor
        )
    except tokens.TokenError as exc:
        flash(str(exc), "error")
        return form, None
    flash(_("令牌已创建。请立即复制保存，离开此页后将无法再次查看。"), "success")
    return ApiTokenForm(formdata=None), issued
