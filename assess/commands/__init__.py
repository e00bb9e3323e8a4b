"""Offline commands: they run without the web app or a database."""

from __future__ import annotations

import importlib

# module path -> attribute names of click commands. A module not written yet is skipped,
# so the CLI keeps working while an area is under construction.
_COMMANDS = (
    ("assess.commands.offline_scoring", ("score_command", "indicators_group")),
    ("assess.commands.offline_ranking", ("rank_nominations_command",)),
)


def _load() -> list:
    found = []
    for module_name, attrs in _COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        found.extend(getattr(module, attr) for attr in attrs)
    return found


OFFLINE_COMMANDS = _load()
