"""The unit tree (单位树): counties, townships, communities and member departments."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.policy import allow
from assess.units import workbook
from assess.units.forms import UnitForm
from assess.units.history import unit_history
from assess.units.models import Unit
from assess.units.tree import (
    UnitError,
    create_unit,
    in_tree_order,
    unit_choices,
    unit_tree,
    update_unit,
    visible_units,
)
from assess.web.pagination import paginate_list

bp = Blueprint("units", __name__)


@bp.route("/units/")
@allow("units.view_tree")
def tree():
    return render_template("units/tree.html", roots=unit_tree(visible_units(current_user)))


@bp.route("/admin/units")
@allow("units.manage")
def unit_list():
    return render_template("units/list.html", page=paginate_list(in_tree_order(Unit.select())))


@bp.route("/admin/units/new", methods=["GET", "POST"])
@bp.route("/admin/units/<int:unit_id>", methods=["GET", "POST"])
@allow("units.manage")
def edit_unit(unit_id: int | None = None):
    unit = Unit.get_or_none(Unit.id == unit_id) if unit_id else None
    if unit_id and unit is None:
        abort(404)
    form = UnitForm(obj=unit)
    form.parent.choices = unit_choices(_("（无，顶级单位）"))
    if request.method == "GET" and unit:
        form.parent.data = unit.parent_id or 0
    if form.validate_on_submit():
        parent = Unit.get_or_none(Unit.id == form.parent.data) if form.parent.data else None
        fields = form.unit_fields()
        try:
            if unit is None:
                code, name, kind = fields.pop("code"), fields.pop("name"), fields.pop("kind")
                unit = create_unit(code, name, kind, parent, actor=current_user, **fields)
            else:
                update_unit(unit, actor=current_user, parent=parent, **fields)
        except UnitError as exc:
            flash(str(exc), "error")
        else:
            flash(_("已保存单位 %(name)s", name=unit.name), "success")
            return redirect(url_for("units.unit_list"))
    history = unit_history(unit) if unit else []
    return render_template("units/form.html", form=form, unit=unit, history=history)


@bp.route("/admin/units/tree.xlsx")
@allow("units.manage")
def export_tree():
    return send_file(
        workbook.tree_workbook(),
        as_attachment=True,
        download_name=_("单位树.xlsx"),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/admin/units/tree", methods=["POST"])
@allow("units.manage")
def import_tree():
    upload = request.files.get("workbook")
    if upload is None or not upload.filename:
        flash(_("请选择要导入的 Excel 文件"), "error")
        return redirect(url_for("units.unit_list"))
    result = workbook.import_tree(upload.read(workbook.MAX_BYTES + 1), current_user)
    for message in result.errors:
        flash(message, "error")
    if result.errors:
        flash(_("导入未完成：文件中有错误，未更改任何单位"), "error")
    else:
        flash(
            _(
                "已导入单位树：新建 %(c)s 个，修改 %(u)s 个，未变 %(s)s 个",
                c=result.created,
                u=result.updated,
                s=result.unchanged,
            ),
            "success",
        )
    return redirect(url_for("units.unit_list"))
