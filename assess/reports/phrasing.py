"""Where a printed line may break (断行): between phrases, never inside a word, a number or a
bracketed group (GB/T 9704 §7.2: a title "回行时，要做到词意完整，排列对称").

Chinese has no spaces, so the phrases are found with a small dictionary of the words these
documents are made of (the programme's, the offices' and the reports' vocabulary): a line
may break at the start or the end of such a word, outside any bracket, and nowhere else.
A name the dictionary does not know (a unit, a city) stays whole. :func:`balanced_lines`
then picks, among those places, the fewest lines that fit and, among those, the most even.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from itertools import combinations

__all__ = ["PHRASES", "balanced_lines", "break_points"]

#: The words a line may end or begin at. Longer words win over the shorter ones inside them,
#: so a programme's name (流动人口基本公共服务均等化) is one phrase, never parted.
PHRASES = frozenset(
    [
        "流动人口基本公共服务均等化",
        "流动人口基本公共卫生计生服务均等化",
        "流动人口计划生育基本公共服务均等化",
        "流动人口服务均等化",
        "促进流动人口社会融合",
        "先进集体和先进个人",
        "流动人口",
        "基本公共服务",
        "基本公共卫生计生服务",
        "计划生育",
        "公共服务",
        "均等化",
        "试点",
        "工作",
        "考核",
        "督查",
        "报告",
        "督查报告",
        "考核结果",
        "结果",
        "汇总报告",
        "汇总",
        "年度",
        "领导小组",
        "办公室",
        "委员会",
        "人力资源和社会保障局",
        "人口和计划生育委员会",
        "培育",
        "十类典型",
        "促进",
        "社会融合",
        "先进集体",
        "先进个人",
        "表彰名单",
        "表彰",
        "名单",
        "关于",
        "印发",
        "通知",
        "实施方案",
        "服务管理",
        "卫生计生",
        "成员单位",
    ]
)

_OPEN = "（(〔[【《“‘"
_CLOSE = "）)〕]】》”’"
_LONGEST = max(map(len, PHRASES))


@cache
def break_points(text: str) -> tuple[int, ...]:
    """The offsets in ``text`` (0 < offset < len) where a line may break: at the edges of
    the words of :data:`PHRASES`, outside brackets and quotes, never after a figure (2011年度
    stays whole), never before closing punctuation."""
    edges: set[int] = set()
    position = 0
    while position < len(text):
        for size in range(min(_LONGEST, len(text) - position), 1, -1):
            if text[position : position + size] in PHRASES:
                edges.update((position, position + size))
                position += size
                break
        else:
            position += 1
    depth = 0
    inside: set[int] = set()
    for offset, char in enumerate(text):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        if depth:
            inside.add(offset + 1)  # a break after this character would fall inside
    return tuple(
        offset
        for offset in sorted(edges)
        if 0 < offset < len(text)
        and offset not in inside
        and not text[offset - 1].isdigit()  # 2011年度 stays whole
        and text[offset] not in _CLOSE + "，。、；：！？"
    )


def balanced_lines(text: str, width: float, measure: Callable[[str], float] = len) -> list[str]:
    """``text`` in the fewest lines no wider than ``width`` (as ``measure`` gives widths,
    by default in characters), broken only at :func:`break_points`, the longest line as
    short as it can be. Text that fits stays one line; text that cannot be broken to fit
    is broken as evenly as its break points allow."""
    if measure(text) <= width:
        return [text]
    points = break_points(text)
    best: tuple[float, list[str]] | None = None
    for count in range(1, min(len(points), 4) + 1):
        for chosen in combinations(points, count):
            edges = (0, *chosen, len(text))
            lines = [text[a:b] for a, b in zip(edges, edges[1:], strict=False)]
            widest = max(map(measure, lines))
            if best is None or widest < best[0]:
                best = (widest, lines)
        if best is not None and best[0] <= width:
            return best[1]
    return best[1] if best else [text]
