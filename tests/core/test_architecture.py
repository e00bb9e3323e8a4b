"""The import contracts of ``pyproject.toml`` hold, and they catch a wrong arrow.

``lint-imports`` reads the packages from the import path, so a broken arrow is tried on a
copy of the tree in a temporary folder: the real tree is never touched, even for a moment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("assess", "scoring", "indicators", "migrations")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory):
    """A copy of the packages that passes the contracts, to break one arrow at a time."""
    tree = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    assert lint_imports(tree).returncode == 0
    return tree


def test_the_import_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        (
            "assess/cycles/probe.py",
            "from flask import request\n",
            "Domain code never reaches into the request",
        ),
        (
            "assess/core/probe.py",
            "from assess.accounts.models import User\n",
            "Core is the bottom layer",
        ),
        (
            "assess/reports/probe.py",
            "from assess.cycles.views import manage\n",
            "Views are leaves",
        ),
        (
            "assess/notifications/probe.py",
            "from assess.cycles.views import manage\n",
            "Views are leaves",
        ),
        (
            "assess/notifications/store.py",
            "from assess.cycles.models import Cycle\n",
            "The notification store is fed by the areas and never reaches back into them",
        ),
        (
            "scoring/probe.py",
            "import peewee\n",
            "The scoring engine and the indicator sets are pure",
        ),
    ],
)
def test_a_wrong_arrow_breaks_a_contract(tree_copy, module, source, contract):
    probe = tree_copy / module
    kept = probe.read_text(encoding="utf-8") if probe.exists() else None
    # A probe is a new module, or a line added to an existing one (then put back after).
    probe.write_text((kept or "") + source, encoding="utf-8")
    try:
        done = lint_imports(tree_copy)
    finally:
        if kept is None:
            probe.unlink()
        else:
            probe.write_text(kept, encoding="utf-8")
    assert done.returncode != 0
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken
    assert module.removesuffix(".py").replace("/", ".") in broken
