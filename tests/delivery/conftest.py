"""Fixtures of the delivery tests: the servers on loopback and the office's channels."""

from __future__ import annotations

import pytest

from tests.delivery.servers import Robot, start_robot, start_smtp


@pytest.fixture
def smtp():
    controller, inbox = start_smtp()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def robot():
    """A robot server and what it received; set ``robot[0].secret`` to check signatures."""
    state = Robot()
    server = start_robot(state)
    yield state, server
    server.shutdown()
    server.server_close()
