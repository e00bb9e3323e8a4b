"""Policy traceability, pure: citations parsed, documents outlined, clauses traced."""

from __future__ import annotations

import pytest

from indicators import policy_documents
from scoring import clauses
from scoring.clauses import Citation

pytestmark = pytest.mark.pure

DOCUMENTS = ["郑政办〔2010〕90号", "郑政办〔2015〕80号", "县《流动人口服务均等化工作方案》"]

PLAN = """郑州市人民政府办公厅文件
郑政办〔2010〕90号
为切实抓好试点，制定本方案。
(一)这一行在第一节之前，是正文而不是条款
一、指导思想
以科学发展观为指导。
二、工作目标
三、工作任务
(一)建立健全统筹管理机制。由各级政府负责。
（二）大力推进信息化建设
1. 宣传教育服务
2．免费技术服务
四、保障措施
附 件
一、组长
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("郑政办〔2010〕90号 三(四)1", [Citation("郑政办〔2010〕90号", ("三", "四", "1"))]),
        ("郑政办〔2010〕90号 二", [Citation("郑政办〔2010〕90号", ("二",))]),
        ("郑政办 〔2010〕90号 五（一）", [Citation("郑政办〔2010〕90号", ("五", "一"))]),
        (
            "郑政办〔2010〕90号 三(三) 人社局",
            [Citation("郑政办〔2010〕90号", ("三", "三"), "人社局")],
        ),
        (
            "郑政办〔2015〕80号 三(一)；三(五)",
            [
                Citation("郑政办〔2015〕80号", ("三", "一")),
                Citation("郑政办〔2015〕80号", ("三", "五")),
            ],
        ),
        (
            "县《流动人口服务均等化工作方案》三(四)2",
            [Citation("县《流动人口服务均等化工作方案》", ("三", "四", "2"))],
        ),
        ("郑政办〔2010〕90号", [Citation("郑政办〔2010〕90号", ())]),
        ("某某文件 三(一)", [Citation("某某文件", ("三", "一"))]),
    ],
)
def test_citations_parse_into_document_and_clause(source, expected):
    assert clauses.parse_citations(source, DOCUMENTS) == expected


def test_the_outline_reads_numbered_clauses_up_to_the_attachment():
    found = clauses.outline(PLAN)
    assert [c.label for c in found] == ["一", "二", "三", "三（一）", "三（二）", "三（二）1",
                                        "三（二）2", "四"]  # fmt: skip
    headings = {c.label: c.heading for c in found}
    assert headings["三（一）"] == "建立健全统筹管理机制"  # up to the first full stop
    assert headings["三（二）1"] == "宣传教育服务"
    assert {c.label: c.line for c in found}["一"] == 5


def test_the_outline_ends_where_the_numbering_starts_over():
    text = "一、总则\n二、任务\n（一）分工\n一、组长\n二、成员\n"
    assert [c.label for c in clauses.outline(text)] == ["一", "二", "二（一）"]


def test_long_headings_are_cut_with_an_ellipsis():
    text = "一、" + "很" * 40 + "。后文"
    (clause,) = clauses.outline(text)
    assert len(clause.heading) == clauses.HEADING_CHARS and clause.heading.endswith("…")


@pytest.mark.parametrize(
    ("mark", "value"), [("一", 1), ("九", 9), ("十", 10), ("十二", 12), ("二十", 20)]
)
def test_numeral_values(mark, value):
    assert clauses.numeral_value(mark) == value


def test_trace_ties_each_clause_to_the_indicators_citing_it_and_lists_the_rest():
    outline = clauses.outline(PLAN)
    cited = {
        "A1": clauses.parse_citations("郑政办〔2010〕90号 三(一)", DOCUMENTS),
        "A2": clauses.parse_citations("郑政办〔2010〕90号 三(二)2", DOCUMENTS),
        "B1": clauses.parse_citations("郑政办〔2010〕90号 三(二)", DOCUMENTS),
        "B2": clauses.parse_citations("郑政办〔2010〕90号 六", DOCUMENTS),  # no such clause
        "C1": clauses.parse_citations("郑政办〔2010〕90号", DOCUMENTS),  # the whole document
        "D1": clauses.parse_citations("郑政办〔2015〕80号 三(一)", DOCUMENTS),  # another one
    }
    trace = clauses.trace("郑政办 〔2010〕90号", outline, cited)
    links = {link.clause.label: link for link in trace.links}
    assert links["三（一）"].direct == ("A1",)
    assert links["三"].within == ("A1", "A2", "B1")
    assert (links["三（二）"].direct, links["三（二）"].within) == (("B1",), ("A2",))
    assert links["三（二）1"].enclosing == ("B1",)  # covered by the section cited whole
    assert links["三（二）2"].direct == ("A2",)
    assert [c.label for c in trace.uncovered] == ["一", "二", "四"]
    assert trace.unresolved == (("B2", Citation("郑政办〔2010〕90号", ("六",))),)


def test_labels_print_full_width_brackets():
    assert clauses.clause_label(("三", "四", "1")) == "三（四）1"
    assert clauses.clause_label(("五",)) == "五"
    assert clauses.clause_label(()) == ""


def test_every_shipped_document_has_an_outline():
    for document in policy_documents():
        outline = clauses.outline(document.text)
        assert len(outline) >= 9, document.citation
        assert outline[0].label == "一", document.citation
