"""YAML read with the line of every key and item, so that an indicator set's problems can
name the line to fix (``county.yaml:23``).

Scalars stay the text the author typed: the set's own checks decide what is a number,
a code or a word (``410102`` stays a unit code, ``0.8`` never passes through a float).
"""

from __future__ import annotations

from typing import Any

import yaml

from scoring.i18n import _


class _Map(dict):
    """A YAML mapping that remembers the line of each key."""

    line: int | None = None
    lines: dict[str, int]


class _Seq(list):
    """A YAML sequence that remembers the line of each item."""

    line: int | None = None
    lines: list[int]


def from_node(node: yaml.Node, duplicates: list[tuple[int, str]]) -> Any:
    """Plain data from a composed YAML ``node``: mappings and sequences that remember their
    lines, scalars as the text typed (``None`` for a plain null); each key repeated within
    a mapping is appended to ``duplicates`` as ``(line, key)``."""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        # Quoted scalars resolve to str, so only a plain null, ~ or nothing is None.
        if node.tag == "tag:yaml.org,2002:null":
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        seq = _Seq(from_node(item, duplicates) for item in node.value)
        seq.line, seq.lines = line, [item.start_mark.line + 1 for item in node.value]
        return seq
    mapping = _Map()
    mapping.line, mapping.lines = line, {}
    for key_node, value_node in node.value:
        key = str(from_node(key_node, duplicates))
        if key in mapping:
            duplicates.append((key_node.start_mark.line + 1, key))
        mapping[key] = from_node(value_node, duplicates)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


def without_lines(data: Any) -> Any:
    """``data`` as plain dicts and lists, the line numbers dropped."""
    if isinstance(data, dict):
        return {key: without_lines(value) for key, value in data.items()}
    if isinstance(data, list):
        return [without_lines(item) for item in data]
    return data


def compose(text: str) -> yaml.Node | None:
    """The YAML node tree of ``text`` (``None`` for an empty document), with the C parser
    when PyYAML has one; raises ``yaml.YAMLError``."""
    return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def parse_flow(text: str) -> Any:
    """A YAML fragment such as ``[county, 410102]`` or ``{优: 1, 良: 0.8}`` as plain lists,
    dicts and text scalars (numbers left as typed, for the set's own checks); ``None`` for
    an empty fragment. Raises ``ValueError`` when the text is not YAML."""
    try:
        node = compose(text)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error)
        raise ValueError(_("无法读取：%(p)s", p=problem)) from None
    return None if node is None else without_lines(from_node(node, []))


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of ``key`` in a mapping or sequence from :func:`from_node` (of the
    container itself without a key, or when the key has none); ``None`` for other data."""
    if isinstance(container, _Map):
        return container.lines.get(key, container.line) if key is not None else container.line
    if isinstance(container, _Seq):
        if isinstance(key, int) and key < len(container.lines):
            return container.lines[key]
        return container.line
    return None
