"""Assess: supervision and assessment scoring (督查考核评分系统).

The package imports nothing heavy: the offline commands (``assess score``,
``assess rank-nominations``) run without Flask or a database, so the app factory is loaded
only when called.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None):
    """Build the Flask app (see ``assess.app.create_app``)."""
    from assess.app import create_app as build

    return build(config)
