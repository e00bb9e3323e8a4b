"""Where a printed line may break: between phrases, never inside a bracketed group, a word
or a figure (assess.reports.phrasing)."""

from __future__ import annotations

import pytest

from assess.reports.phrasing import balanced_lines, break_points

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    "text",
    [
        "郑州市流动人口基本公共服务均等化考核（县（市、区））工作督查报告",
        "（成员单位）流动人口基本公共服务均等化工作督查报告",
        "郑州市流动人口基本公共服务均等化2011年度考核结果汇总报告",
    ],
)
def test_never_inside_brackets_words_or_figures(text):
    for offset in break_points(text):
        head, tail = text[:offset], text[offset:]
        assert head.count("（") == head.count("）"), (head, tail)
        assert not head[-1].isdigit(), (head, tail)
        assert tail[0] not in "）、，。", (head, tail)


def test_balanced_lines_are_few_even_and_between_phrases():
    title = "2013年度郑州市培育十类典型促进流动人口社会融合先进集体和先进个人表彰名单"
    lines = balanced_lines(title, 20)
    assert "".join(lines) == title
    assert lines == [
        "2013年度郑州市培育",
        "十类典型促进流动人口社会融合",
        "先进集体和先进个人表彰名单",
    ]
    assert balanced_lines("郑州市人力资源和社会保障局", 20) == ["郑州市人力资源和社会保障局"]


def test_a_name_with_no_known_phrase_stays_whole():
    assert balanced_lines("金水区丰产路街道办事处", 5) == ["金水区丰产路街道办事处"]
