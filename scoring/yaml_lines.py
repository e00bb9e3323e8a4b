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


def yaml_problem(error: yaml.YAMLError) -> str:
    """What is wrong, in the reader's language, with the column where PyYAML saw it;
    a problem without a translation says the text cannot be read."""
    # PyYAML's (and libyaml's) problem texts, by a phrase each contains; the first found
    # wins. Built per call so that the language asked for now is the one used.
    problems = (
        (
            "mapping values are not allowed",
            _("此处不能出现“键: 值”（缩进不对，或值中的冒号须加引号）"),
        ),
        ("could not find expected ':'", _("缺少冒号“:”")),
        ("did not find expected key", _("缩进不对，找不到应有的键")),
        ("did not find expected '-'", _("列表项须以“- ”开头且缩进一致")),
        ("did not find expected ',' or ']'", _("方括号列表没有闭合，缺少“,”或“]”")),
        ("did not find expected ',' or '}'", _("花括号映射没有闭合，缺少“,”或“}”")),
        ("found unexpected end of stream", _("文件意外结束（引号或括号没有闭合）")),
        ("cannot start any token", _("含有不能使用的字符（如制表符 Tab，请改用空格缩进）")),
        ("found undefined alias", _("引用了未定义的锚点（*）")),
        ("found unknown escape character", _("引号中有无效的转义字符（\\）")),
        ("found unexpected ':'", _("多余的冒号“:”")),
        ("expected <block end>", _("缩进不对，这一块没有正确结束")),
        ("control characters are not allowed", _("含有不可见的控制字符")),
        ("special characters are not allowed", _("含有不可见的控制字符")),
        ("found duplicate anchor", _("锚点（&）重复")),
    )
    text = getattr(error, "problem", None) or str(error)
    problem = next((zh for phrase, zh in problems if phrase in text), None)
    problem = problem or _("写法无法识别，请检查缩进、冒号和引号")
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        return _("第 %(c)s 列：%(p)s", c=mark.column + 1, p=problem)
    return problem


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
        raise ValueError(_("无法读取：%(p)s", p=yaml_problem(error))) from None
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
