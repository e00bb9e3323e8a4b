"""Sign-in, sign-out, changing one's own password and one's own API tokens."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from assess.accounts import tokens, users
from assess.accounts.forms import ChangePasswordForm, LoginForm
from assess.accounts.views.token_form import issue_from_form
from assess.core.models import utcnow
from assess.core.policy import allow, public
from assess.web.security import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = users.authenticate(
            form.username.data,
            form.password.data,
            request.remote_addr or "unknown",
            users.Throttle(
                per_account_address=current_app.config["LOGIN_MAX_FAILURES"],
                per_account=current_app.config["LOGIN_ACCOUNT_MAX_FAILURES"],
                per_address=current_app.config["LOGIN_ADDRESS_MAX_FAILURES"],
                window_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
            ),
        )
        if result.user:
            locale = session.get("locale")
            session.clear()  # a fresh session at login: no fixation of a pre-login session
            if locale:
                session["locale"] = locale
            login_user(result.user)
            flash(_("欢迎，%(name)s", name=result.user.label), "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
        flash(result.error, "error")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow("account.manage_own")
def logout():
    users.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("已安全退出"), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@allow("account.manage_own")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_own_password(
                current_user._get_current_object(), form.current.data, form.new.data
            )
        except users.AccountError as exc:
            flash(str(exc), "error")
        else:
            login_user(current_user._get_current_object())  # this session goes on; others end
            flash(_("密码已修改"), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/password.html", form=form)


@bp.route("/tokens", methods=["GET", "POST"])
@allow("account.manage_own")
def api_tokens():
    """One's own API tokens (接口令牌); a new token's secret is shown on this response only."""
    me = current_user._get_current_object()
    form, issued = issue_from_form(me, actor=me)
    return render_template(
        "accounts/tokens.html",
        form=form,
        issued=issued,
        tokens=tokens.own_tokens(me),
        now=utcnow(),
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@allow("account.manage_own")
def revoke_api_token(token_id: int):
    me = current_user._get_current_object()
    token = tokens.own_token(me, token_id)
    if token is None:
        abort(404)
    tokens.revoke_token(token, actor=me)
    flash(_("令牌“%(name)s”已吊销", name=token.name), "success")
    return redirect(url_for("auth.api_tokens"))
