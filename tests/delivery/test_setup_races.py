"""Two first saves at once (two admins on the channel page, a person's address saved from
two tabs): the second no longer loses the insert race with a 500, it saves over the row
the first one made, each audited."""

from __future__ import annotations

import threading

import pytest

from assess.core.models import AuditEntry
from assess.delivery import setup
from assess.delivery.models import ChannelSettings, UnitContact
from tests.cycle_helpers import unit
from tests.delivery.helpers import admin
from tests.helpers import at_once

# SQLite's BEGIN IMMEDIATE lets one save in at a time, so both cannot find "no row yet";
# PostgreSQL lets both look before either inserts.
pytestmark = pytest.mark.postgres_only


@pytest.fixture
def both_looked(monkeypatch):
    """Hold each save after it found no row until the other has looked too."""
    looked = threading.Barrier(2, timeout=20)
    real = setup._locked_or_new
    first_tries = []

    def held(model, where, new):
        row, exists = real(model, where, new)
        if not exists and len(first_tries) < 2:
            first_tries.append(model)
            looked.wait()
        return row, exists

    monkeypatch.setattr(setup, "_locked_or_new", held)
    return first_tries


def test_two_first_saves_of_the_channels_both_land(app, demo, db, both_looked):
    hosts = iter(["smtp-a.example.gov.cn", "smtp-b.example.gov.cn"])

    def save():
        with app.app_context():
            return setup.save_settings({"smtp_host": next(hosts)}, {}, admin())

    assert at_once(save) == [True, True]
    assert len(both_looked) == 2  # both really found no row first
    assert ChannelSettings.select().count() == 1
    assert AuditEntry.select().where(AuditEntry.action == "delivery.settings").count() == 2


def test_two_first_saves_of_a_units_contact_both_land(app, demo, db, both_looked):
    addresses = iter(["a@jinshui.gov.cn", "b@jinshui.gov.cn"])

    def save():
        with app.app_context():
            return setup.save_unit_contact(unit("410105"), {"email": next(addresses)}, {}, admin())

    assert at_once(save) == [True, True]
    assert len(both_looked) == 2
    (contact,) = UnitContact.select()
    assert contact.email in ("a@jinshui.gov.cn", "b@jinshui.gov.cn")
    audited = AuditEntry.select().where(AuditEntry.action == "delivery.unit_contact")
    assert audited.count() == 2
