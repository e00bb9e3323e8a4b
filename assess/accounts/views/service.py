"""The office's service accounts (服务账号) and their API tokens: the identity another system
(a provincial platform, a dashboard, a unit's own ledger) uses on ``/api/v1``, made and
revoked by the office rather than by a person, so the link survives whoever set it up."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assess.accounts import tokens, users
from assess.accounts.forms import AccountActiveForm, ServiceAccountForm
from assess.accounts.models import User
from assess.accounts.views.token_form import issue_from_form
from assess.core.models import utcnow
from assess.core.policy import allow
from assess.units.models import Unit
from assess.units.tree import unit_choices

bp = Blueprint("service_accounts", __name__, url_prefix="/admin/service-accounts")


def _account(account_id: int) -> User:
    account = User.get_or_none(User.id == account_id, User.is_service)
    if account is None:
        abort(404)
    return account


@bp.route("", methods=["GET", "POST"])
@allow("users.manage")
def index():
    """Every service account, and a form for a new one."""
    form = ServiceAccountForm()
    form.unit.choices = unit_choices(_("（无）"))
    form.scope.choices = unit_choices(_("全市（各级）"))
    if form.validate_on_submit():
        unit = Unit.get_or_none(Unit.id == form.unit.data) if form.unit.data else None
        scope = Unit.get_or_none(Unit.id == form.scope.data) if form.scope.data else None
        try:
            account = users.create_service_account(
                form.username.data,
                form.display_name.data,
                form.role.data,
                unit,
                scope,
                actor=current_user._get_current_object(),
            )
        except users.AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("已创建服务账号 %(name)s，请为它创建令牌", name=account.label), "success")
            return redirect(url_for("service_accounts.detail", account_id=account.id))
    return render_template(
        "accounts/service_accounts.html", form=form, accounts=users.service_accounts()
    )


@bp.route("/<int:account_id>", methods=["GET", "POST"])
@allow("users.manage")
def detail(account_id: int):
    """One service account's tokens; a new token's secret is shown on this response only."""
    account = _account(account_id)
    form, issued = issue_from_form(account, actor=current_user._get_current_object())
    return render_template(
        "accounts/service_account.html",
        account=account,
        form=form,
        active_form=AccountActiveForm(active=not account.active, formdata=None),
        issued=issued,
        tokens=tokens.own_tokens(account),
        now=utcnow(),
    )


@bp.route("/<int:account_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@allow("users.manage")
def revoke_token(account_id: int, token_id: int):
    account = _account(account_id)
    token = tokens.own_token(account, token_id)
    if token is None:
        abort(404)
    tokens.revoke_token(token, actor=current_user._get_current_object())
    flash(_("令牌“%(name)s”已吊销", name=token.name), "success")
    return redirect(url_for("service_accounts.detail", account_id=account.id))


@bp.route("/<int:account_id>/active", methods=["POST"])
@allow("users.manage")
def set_active(account_id: int):
    """Disable a service account (its tokens stop at once) or enable it again."""
    account = _account(account_id)
    form = AccountActiveForm()
    if form.validate_on_submit():
        users.update_user(
            account, actor=current_user._get_current_object(), active=form.active.data
        )
        flash(
            _("服务账号已启用") if account.active else _("服务账号已停用，其令牌随即失效"),
            "success",
        )
    return redirect(url_for("service_accounts.detail", account_id=account.id))
