"""The notification centre (消息通知: the bell, the list, reading one) and the 催报 page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from assess.core.policy import allow, can
from assess.cycles.lifecycle import CycleError, write_refused
from assess.notifications import chase, pages, store
from assess.notifications.forms import ChaseForm, MarkAllReadForm
from assess.notifications.models import Notification
from assess.web.guard import viewable_cycle
from assess.web.pagination import paginate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global("unread_notifications")
def unread_notifications() -> int:
    """The bell's number for the signed-in user: one query per request, however many
    places on the page show it."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = store.unread_count(current_user)
    return g.unread_notifications


def link_of(notification: Notification) -> str | None:
    """Where the notification leads, or None when the page it names no longer exists."""
    parts = notification.target_parts
    if parts is None:
        return None
    try:
        return url_for(parts[0], **parts[1])
    except BuildError:
        return None


@bp.route("/")
@allow("notifications.view")
def index():
    page = paginate(store.of_user(current_user))
    return render_template(
        "notifications/list.html",
        page=page,
        rows=pages.rows(page.items),
        form=MarkAllReadForm(),
    )


@bp.route("/<int:notification_id>")
@allow("notifications.view")
def follow(notification_id: int):
    """Open one notification: it is read, and the reader goes where it points."""
    row = Notification.get_or_none(Notification.id == notification_id)
    if row is None or not can(current_user, "notifications.read", row):
        abort(404)  # another person's notification is as absent as a missing one
    store.mark_read(row)
    return redirect(link_of(row) or url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@allow("notifications.view")
def read_all():
    if MarkAllReadForm().validate_on_submit():
        count = store.mark_all_read(current_user)
        flash(_("已将 %(n)s 条消息标为已读", n=count), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/chase/<int:cycle_id>", methods=["GET", "POST"])
@allow("reminders.chase")
def chase_units(cycle_id: int):
    """催报: the cycle's units with their progress; the office ticks some and writes."""
    cycle = viewable_cycle(cycle_id)
    statuses = pages.chase_statuses(cycle)
    form = ChaseForm()
    form.units.choices = [(s.unit.id, s.unit.name) for s in statuses]
    if form.is_submitted():
        if not form.validate():
            flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        else:
            try:
                told = chase.send_chase(cycle, form.units.data, form.message.data, current_user)
            except CycleError as exc:
                flash(str(exc), "error")
            else:
                flash(
                    _("已向 %(u)s 个单位催报，%(n)s 人收到消息", u=len(form.units.data), n=told),
                    "success",
                )
                return redirect(url_for("notifications.chase_units", cycle_id=cycle.id))
    elif not form.units.data:
        form.units.data = [s.unit.id for s in statuses if s.outstanding]
    return render_template(
        "notifications/chase.html",
        cycle=cycle,
        statuses=statuses,
        form=form,
        max_message_chars=chase.MAX_MESSAGE_CHARS,
        refused=None if can(current_user, "reminders.chase", cycle) else write_refused("chase"),
    )
