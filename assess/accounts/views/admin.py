"""The office's user administration (用户管理)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN

from assess.accounts import users
from assess.accounts.forms import UserForm
from assess.accounts.models import User
from assess.core.policy import allow, works_citywide
from assess.units.models import Unit
from assess.units.tree import unit_choices
from assess.web.pagination import paginate

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.route("")
@allow("users.manage")
def index():
    # The scope's unit joined under its own alias, so the list shows each account's 管辖范围
    # without a query per row.
    scope = Unit.alias()
    query = (
        User.select(User, Unit, scope)
        .join(Unit, join_type=JOIN.LEFT_OUTER, on=(User.unit == Unit.id))
        .switch(User)
        .join(scope, join_type=JOIN.LEFT_OUTER, on=(User.scope_unit == scope.id), attr="scope_unit")
        .where(~User.is_service)  # listed on their own page (服务账号)
        .order_by(User.username)
    )
    search = request.args.get("q", "").strip()
    if search:
        query = query.where(User.username.contains(search) | User.display_name.contains(search))
    return render_template(
        "accounts/users.html", page=paginate(query), q=search, works_citywide=works_citywide
    )


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:user_id>", methods=["GET", "POST"])
@allow("users.manage")
def edit(user_id: int | None = None):
    user = User.get_or_none(User.id == user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    if user is not None and user.is_service:  # no password, tokens by the office
        return redirect(url_for("service_accounts.detail", account_id=user.id))
    form = UserForm(obj=user)
    form.unit.choices = unit_choices(_("（无）"))
    form.scope.choices = unit_choices(_("全市（各级）"))
    if request.method == "GET" and user:
        form.unit.data = user.unit_id or 0
        form.scope.data = user.scope_unit_id or 0
    if form.validate_on_submit():
        unit = Unit.get_or_none(Unit.id == form.unit.data) if form.unit.data else None
        scope = Unit.get_or_none(Unit.id == form.scope.data) if form.scope.data else None
        try:
            if user is None:
                if not form.password.data:
                    raise users.AccountError(_("新用户需要设置初始密码"))
                user = users.create_user(
                    form.username.data,
                    form.password.data,
                    form.role.data,
                    unit,
                    display_name=form.display_name.data or "",
                    actor=current_user,
                    scope_unit=scope,
                )
            else:
                users.update_user(
                    user,
                    actor=current_user,
                    username=form.username.data.strip(),
                    display_name=form.display_name.data or "",
                    role=form.role.data,
                    unit=unit,
                    scope_unit=scope,
                    active=form.active.data,
                )
                if form.password.data:
                    users.set_password(user, form.password.data, actor=current_user)
        except users.AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("已保存用户 %(name)s", name=user.username), "success")
            return redirect(url_for("users.index"))
    return render_template("accounts/user_form.html", form=form, user=user)
