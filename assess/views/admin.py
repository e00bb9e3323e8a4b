"""The office's administration pages: users and units (用户与单位管理)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN

from assess import accounts, units
from assess.forms import UnitForm, UserForm
from assess.models import Unit, User
from assess.pagination import paginate
from assess.policy import allow

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _unit_choices(blank_label: str) -> list[tuple[int, str]]:
    return [(0, blank_label)] + [(u.id, f"{u.name}（{u.code}）") for u in Unit.ordered()]


@bp.route("/users")
@allow("users.manage")
def users():
    query = User.select(User, Unit).join(Unit, join_type=JOIN.LEFT_OUTER).order_by(User.username)
    search = request.args.get("q", "").strip()
    if search:
        query = query.where(User.username.contains(search) | User.display_name.contains(search))
    return render_template("admin/users.html", page=paginate(query), q=search)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow("users.manage")
def edit_user(user_id: int | None = None):
    user = User.get_or_none(User.id == user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = UserForm(obj=user)
    form.unit.choices = _unit_choices(_("（无）"))
    if request.method == "GET" and user:
        form.unit.data = user.unit_id or 0
    if form.validate_on_submit():
        unit = Unit.get_or_none(Unit.id == form.unit.data) if form.unit.data else None
        try:
            if user is None:
                if not form.password.data:
                    raise accounts.AccountError(_("新用户需要设置初始密码"))
                user = accounts.create_user(
                    form.username.data,
                    form.password.data,
                    form.role.data,
                    unit,
                    display_name=form.display_name.data or "",
                    actor=current_user,
                )
            else:
                accounts.update_user(
                    user,
                    actor=current_user,
                    username=form.username.data.strip(),
                    display_name=form.display_name.data or "",
                    role=form.role.data,
                    unit=unit,
                    active=form.active.data,
                )
                if form.password.data:
                    accounts.set_password(user, form.password.data, actor=current_user)
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("已保存用户 %(name)s", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/units")
@allow("units.manage")
def unit_list():
    query = Unit.select().order_by(Unit.sort_order, Unit.code)
    return render_template("admin/units.html", page=paginate(query))


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@allow("units.manage")
def edit_unit(unit_id: int | None = None):
    unit = Unit.get_or_none(Unit.id == unit_id) if unit_id else None
    if unit_id and unit is None:
        abort(404)
    form = UnitForm(obj=unit)
    form.parent.choices = _unit_choices(_("（无，顶级单位）"))
    if request.method == "GET" and unit:
        form.parent.data = unit.parent_id or 0
    if form.validate_on_submit():
        parent = Unit.get_or_none(Unit.id == form.parent.data) if form.parent.data else None
        fields = {
            name: getattr(form, name).data
            for name in units.UNIT_AUDIT_FIELDS
            if name not in ("code", "name", "kind", "parent")
        }
        fields = {
            k: ("" if v is None and k.startswith("contact") else v) for k, v in fields.items()
        }
        fields["sort_order"] = fields["sort_order"] or 0
        try:
            if unit is None:
                unit = units.create_unit(
                    form.code.data,
                    form.name.data,
                    form.kind.data,
                    parent,
                    actor=current_user,
                    **fields,
                )
            else:
                units.update_unit(
                    unit,
                    actor=current_user,
                    code=form.code.data,
                    name=form.name.data,
                    kind=form.kind.data,
                    parent=parent,
                    **fields,
                )
        except units.UnitError as exc:
            flash(str(exc), "error")
        else:
            flash(_("已保存单位 %(name)s", name=unit.name), "success")
            return redirect(url_for("admin.unit_list"))
    return render_template("admin/unit_form.html", form=form, unit=unit)
