"""The indicator sets (指标体系) shipped with Assess, derived from the seed policy documents.

Each ``sets/*.yaml`` file is one set in the SPEC §3 format, every indicator citing its
clause in ``source``. :func:`shipped_sets` lists them and :func:`load_shipped_set` loads one
by name (its file name without ``.yaml``).
"""

from __future__ import annotations

from pathlib import Path

from scoring.loader import load_indicator_set
from scoring.model import IndicatorSet

SETS_DIR = Path(__file__).resolve().parent / "sets"


def shipped_sets() -> dict[str, Path]:
    """The shipped sets' files by name (``zz-2011-county`` …), sorted by name."""
    return {path.stem: path for path in sorted(SETS_DIR.glob("*.yaml"))}


def load_shipped_set(name: str) -> IndicatorSet:
    """The shipped set called ``name``; raises ``KeyError`` when there is none, and
    :class:`~scoring.loader.IndicatorSetError` should a shipped file be invalid."""
    return load_indicator_set(shipped_sets()[name])
