"""The indicator sets (指标体系) shipped with Assess, derived from the seed policy documents.

Each ``sets/*.yaml`` file is one set in the SPEC §3 format, every indicator citing its
clause in ``source``. :func:`shipped_sets` lists them and :func:`load_shipped_set` loads one
by name (its file name without ``.yaml``). ``documents/`` holds the seed policy documents
the sets cite, listed in ``documents/documents.yaml`` (:func:`policy_documents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from scoring.loader import load_indicator_set
from scoring.model import IndicatorSet

SETS_DIR = Path(__file__).resolve().parent / "sets"
DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"


@dataclass(frozen=True)
class PolicyDocument:
    """A seed policy document: ``citation`` as the sets' ``source`` names it, its
    ``title`` and its ``text`` as published."""

    citation: str
    title: str
    text: str


def shipped_sets() -> dict[str, Path]:
    """The shipped sets' files by name (``zz-2011-county`` …), sorted by name."""
    return {path.stem: path for path in sorted(SETS_DIR.glob("*.yaml"))}


def load_shipped_set(name: str) -> IndicatorSet:
    """The shipped set called ``name``; raises ``KeyError`` when there is none, and
    :class:`~scoring.loader.IndicatorSetError` should a shipped file be invalid."""
    return load_indicator_set(shipped_sets()[name])


@cache
def policy_documents() -> tuple[PolicyDocument, ...]:
    """The seed documents the shipped sets cite, in the manifest's order."""
    entries = yaml.safe_load((DOCUMENTS_DIR / "documents.yaml").read_text(encoding="utf-8"))
    return tuple(
        PolicyDocument(
            entry["citation"],
            entry["title"],
            (DOCUMENTS_DIR / entry["file"]).read_text(encoding="utf-8"),
        )
        for entry in entries
    )
