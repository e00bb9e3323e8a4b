"""The claimed-vs-verified ledger (核减台账) of the published results: the page with its
filters, heat map, totals and trend, and the filtered ledger as .xlsx."""

from __future__ import annotations

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user

from assess.core.policy import allow, scope_of
from assess.cycles.excel import ledger_workbook
from assess.cycles.ledger import LedgerFilters, heatmap_figure, ledger_view
from assess.web.pagination import id_arg, paginate_list

bp = Blueprint("ledger", __name__, url_prefix="/ledger")


def _filters() -> LedgerFilters:
    return LedgerFilters(
        year=request.args.get("year", type=int),
        kind=request.args.get("kind", ""),
        unit_id=id_arg("unit"),
        category=request.args.get("category", ""),
        indicator=request.args.get("indicator", ""),
        reduced_only=bool(request.args.get("reduced")),
    )


def _view():
    # An office of one level reads the ledger of the cycles its subtree runs; the city's
    # people read every cycle's.
    return ledger_view(_filters(), owners=scope_of(current_user))


@bp.route("/")
@allow("ledger.view")
def index():
    view = _view()
    return render_template(
        "cycles/ledger.html",
        view=view,
        page=paginate_list(list(view.rows)),
        heatmap=heatmap_figure(view),
        args=request.args,
    )


@bp.route("/ledger.xlsx")
@allow("ledger.view")
def export():
    view = _view()
    return send_file(
        ledger_workbook(view),
        as_attachment=True,
        download_name=f"ledger-{view.filters.year or 'none'}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
