"""The delivery pages: the office's channels, defaults, unit contacts and failed
deliveries (消息渠道), and each person's own choices (接收设置)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.enums import DeliveryChannel
from assess.core.policy import allow
from assess.delivery import outbox, pages, preferences, setup, tasks
from assess.delivery.forms import (
    ChannelSettingsForm,
    ChoicesForm,
    PreferencesForm,
    RetryForm,
    UnitContactForm,
)
from assess.delivery.models import Delivery
from assess.units.models import Unit
from assess.web.pagination import paginate

bp = Blueprint("delivery", __name__)


def _form_errors(form) -> None:
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")


@bp.route("/admin/delivery/", methods=["GET", "POST"])
@allow("delivery.manage")
def settings():
    stored = setup.current_settings()
    form = ChannelSettingsForm(obj=stored)
    if form.validate_on_submit():
        if setup.save_settings(form.plain(), form.secrets(), current_user):
            flash(_("消息渠道设置已保存"), "success")
        return redirect(url_for("delivery.settings"))
    if form.is_submitted():
        _form_errors(form)
    form.smtp_password.data = ""  # a password is never sent back to the browser
    return render_template(
        "delivery/settings.html",
        form=form,
        password=pages.shown_secret(stored.smtp_password),
        grid=pages.grid(preferences.defaults(), DeliveryChannel),
        channels=list(DeliveryChannel),
        defaults_form=ChoicesForm(),
    )


@bp.route("/admin/delivery/defaults", methods=["POST"])
@allow("delivery.manage")
def defaults():
    if ChoicesForm().validate_on_submit():
        choices = pages.posted_choices(request.form.getlist("on"), DeliveryChannel)
        preferences.save_defaults(choices, current_user)
        flash(_("默认接收方式已保存"), "success")
    return redirect(url_for("delivery.settings"))


@bp.route("/admin/delivery/units")
@allow("delivery.manage")
def units():
    page = paginate(Unit.ordered())
    return render_template("delivery/units.html", page=page, rows=pages.unit_rows(page.items))


@bp.route("/admin/delivery/units/<int:unit_id>", methods=["GET", "POST"])
@allow("delivery.manage")
def unit_contact(unit_id: int):
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None:
        abort(404)
    contact = setup.unit_contact(unit.id)
    form = UnitContactForm(email=contact.email)
    if form.validate_on_submit():
        plain = {"email": (form.email.data or "").strip()}
        if setup.save_unit_contact(unit, plain, form.secrets(), current_user):
            flash(_("%(unit)s的联系方式已保存", unit=unit.name), "success")
        return redirect(url_for("delivery.units"))
    if form.is_submitted():
        _form_errors(form)
    return render_template(
        "delivery/unit_contact.html",
        unit=unit,
        form=form,
        secrets=pages.contact_secrets(contact),
    )


@bp.route("/admin/delivery/failed")
@allow("delivery.manage")
def failed():
    page = paginate(outbox.failed())
    return render_template(
        "delivery/failed.html", page=page, rows=pages.failed_rows(page.items), form=RetryForm()
    )


@bp.route("/admin/delivery/failed/<int:delivery_id>/retry", methods=["POST"])
@allow("delivery.manage")
def retry(delivery_id: int):
    if RetryForm().validate_on_submit():
        try:
            row = outbox.retry(delivery_id, current_user)
        except Delivery.DoesNotExist:
            abort(404)
        except outbox.DeliveryError as exc:
            flash(str(exc), "error")
        else:
            try:
                tasks.deliver(row.id)  # committed: a worker may take it now
            except Exception:  # noqa: BLE001 (the queue being down must not lose the retry)
                # The row is pending again; the workers' dispatcher takes it within a minute.
                current_app.logger.warning("retry %s not enqueued", row.id, exc_info=True)
            flash(_("已重新加入发送队列"), "success")
    return redirect(url_for("delivery.failed"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@allow("delivery.preferences")
def my_preferences():
    form = PreferencesForm(email=setup.user_email(current_user))
    if form.validate_on_submit():
        choices = pages.posted_choices(request.form.getlist("on"), preferences.PERSONAL_CHANNELS)
        preferences.save_own(current_user, form.email.data or "", choices)
        flash(_("接收设置已保存"), "success")
        return redirect(url_for("delivery.my_preferences"))
    if form.is_submitted():
        _form_errors(form)
    return render_template(
        "delivery/preferences.html",
        form=form,
        grid=pages.grid(preferences.of_user(current_user), preferences.PERSONAL_CHANNELS),
        channels=list(preferences.PERSONAL_CHANNELS),
    )
