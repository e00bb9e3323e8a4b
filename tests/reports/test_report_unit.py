"""The unit inspection report (督查报告): content, layout after GB/T 9704, fonts, size."""

from __future__ import annotations

import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from PIL import Image, ImageStat

from assess.reports import facts, render
from assess.reports.data import AuditFingerprint, CategoryScore, InspectionFacts
from tests.reports import sample_reports
from tests.reports.report_helpers import (
    RenderedPdf,
    cell_texts,
    indicator_rows,
    page_png,
    render_to,
    text_boxes,
)

pytestmark = pytest.mark.pure

MM = 72 / 25.4  # points per millimetre


def test_no_weasyprint_warnings(unit_pdf):
    assert unit_pdf.warnings == []


def test_states_unit_total_grade_and_rank(unit_pdf, unit_data):
    text = unit_pdf.flat_text()
    assert unit_data.unit_name in text
    total = render.num(unit_data.total)
    assert f"总得分为{total}分" in text
    assert f"等次为“{unit_data.grade}”" in text
    assert f"在{unit_data.rank_of}个{unit_data.unit_kind_label}中排名第{unit_data.rank}位" in text
    assert unit_data.issuing_office in text
    assert "2012年1月16日" in text


def test_lists_every_indicator(unit_pdf, unit_data):
    text = unit_pdf.flat_text()
    for row in unit_data.indicators:
        assert row.name in text, row.code
        assert row.explanation in text, row.code


def test_indicator_rows_read_across(unit_pdf, unit_data):
    """Each row shows code, target, self-reported, verified (or —), weight, score and
    deduction side by side. A rate's value has its fraction on a line beneath, so it sits
    above the row's middle; the one-line cells are level with the code."""
    rows = indicator_rows(unit_pdf, {r.code for r in unit_data.indicators})
    assert set(rows) == {r.code for r in unit_data.indicators}
    for row in unit_data.indicators:
        cells = rows[row.code]
        expected = [render.num(row.weight), render.num(row.score)]
        if row.deduction:
            expected.append(f"-{render.num(row.deduction)}")
        assert cells[-len(expected) :] == expected, row.code
        level = [row.target, row.self_reported or "未填报", row.verified or "—"]
        one_line = [text for text in level if "（" not in text]
        assert [c for c in cells if c in one_line] == one_line, row.code


def test_lists_evidence_and_rectifications(unit_pdf, unit_data):
    text = unit_pdf.flat_text()
    for item in unit_data.evidence:
        assert re.sub(r"\s+", "", item.filename) in text
    for demand in unit_data.rectifications:
        assert demand.demand in text
    assert f"提出整改要求{len(unit_data.rectifications)}项" in text
    # one 问题清单: every deduction with its reason, every demand with its due date; the
    # office's own tracking of the answers stays out of the outgoing report
    assert "问题清单" in text and "整改时限：" in text
    for row in unit_data.indicators:
        if row.deduction and row.deduction_reason:
            assert re.sub(r"\s+", "", row.deduction_reason) in text, row.code
    assert "已制定整改方案" not in text  # the unit's answer, tracked in the app only


def test_a4_pages(unit_pdf):
    info = unit_pdf.info()
    assert info["Page size"].startswith("595.276 x 841.89 pts (A4)")
    assert int(info["Pages"]) > 6


def test_fonts_embedded_as_unicode_subsets(unit_pdf):
    fonts = unit_pdf.fonts()
    assert fonts
    for font in fonts:
        assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), font
        assert re.match(r"[A-Z]{6}\+", font["name"]), font


def test_size_within_budget(unit_pdf):
    assert len(unit_pdf.data) <= 400_000


def test_table_head_repeats_on_every_page_of_the_table(unit_pdf):
    pages = unit_pdf.pages()
    with_rows = [p for p in pages if "得分依据：" in p]
    assert len(with_rows) >= 3
    assert all("指标（单位）" in p for p in with_rows)


def test_cover_carries_office_and_date_and_no_page_number(unit_pdf, unit_data):
    cover, back = unit_pdf.pages()[:2]
    assert unit_data.issuing_office in cover
    assert "2012年1月16日" in cover
    assert "—" not in cover
    assert back.strip() == ""  # the back of the cover stays blank (double-sided print)


def test_page_numbers_outside_edge_like_gbt_9704(unit_pdf):
    """Page 1 is the first page after the cover; odd numbers at the right, even at the
    left, one character in from the text block."""
    width = 595.276
    numbered = 0
    for physical in range(3, 7):
        number = physical - 2
        boxes = [b for b in text_boxes(unit_pdf, physical) if b[4] == f"— {number} —"]
        assert len(boxes) == 1, (physical, number)
        x0, top, x1, _bottom, _text = boxes[0]
        assert top > (37 + 225) * MM  # below the text block
        if number % 2:
            assert x1 == pytest.approx(width - 26 * MM - 14, abs=3)
        else:
            assert x0 == pytest.approx(28 * MM + 14, abs=3)
        numbered += 1
    assert numbered == 4


def test_text_block_margins(unit_pdf):
    """Body text stays in the 156 × 225 mm block at 28 mm from the left, 37 mm from the top."""
    for page in (3, 6):
        body = [b for b in text_boxes(unit_pdf, page) if "—" not in b[4]]
        assert min(b[0] for b in body) >= 28 * MM - 1
        assert max(b[2] for b in body) <= (28 + 156) * MM + 1
        assert min(b[1] for b in body) >= 37 * MM - 1
        assert max(b[3] for b in body) <= (37 + 225) * MM + 1


def test_first_page_is_not_blank(unit_pdf, tmp_path):
    image = Image.open(page_png(unit_pdf, 1, tmp_path)).convert("L")
    assert image.size[0] < image.size[1]  # portrait
    assert ImageStat.Stat(image).stddev[0] > 10
    body = Image.open(page_png(unit_pdf, 4, tmp_path)).convert("L")  # radar chart page
    assert ImageStat.Stat(body).stddev[0] > 20


def test_charts_are_drawn(unit_pdf):
    """Chart text is text (svg.fonttype none): the radar's categories and the ranking's
    units are in the PDF as well as in the tables."""
    text = unit_pdf.text()
    assert "同类单位平均" in text
    assert "1. " in text and "16. " in text  # ranking bar labels


def test_vetoed_unit(pdf_dir):
    index = [code for code, _name in sample_reports.COUNTIES].index(sample_reports.VETOED_COUNTY)
    data = sample_reports.sample_unit_report(index)
    assert data.veto
    pdf = render_to(pdf_dir, "veto.pdf", data)
    text = pdf.flat_text()
    assert "因存在一票否决事项" in text
    assert f"{data.grade}（否决）" in text
    assert pdf.warnings == []


def test_short_report_without_optional_parts(pdf_dir, unit_data):
    data = dataclasses.replace(
        sample_reports.sample_unit_report(1, indicator_count=4),
        evidence=(),
        rectifications=(),
        problems=(),
        peers=(),
        rank=None,
    )
    pdf = render_to(pdf_dir, "short.pdf", data)
    text = pdf.flat_text()
    assert "本次督查未发现扣分、核定值调整或退回的问题，未提出整改要求" in text
    assert "、佐证材料" not in text
    assert f"{data.unit_name}未提交佐证材料" in text and "查阅了" not in text
    assert "附件" not in text  # nothing to attach
    assert "排名第" not in text
    assert "与同类单位比较" not in text
    assert pdf.warnings == []


def test_audit_fingerprint_is_printed_under_the_signoff(pdf_dir, unit_pdf):
    data = dataclasses.replace(
        sample_reports.sample_unit_report(2, indicator_count=4),
        audit=AuditFingerprint(1234, "3f2a9c0d1e2b4a5c"),
    )
    pdf = render_to(pdf_dir, "fingerprint.pdf", data)
    assert pdf.warnings == []
    text = pdf.flat_text()
    assert "审计链指纹：3f2a9c0d1e2b4a5c（发布时共1234条审计记录），核对命令：" in text
    assert "assess audit verify --at 1234" in pdf.text()  # on one line
    date = render.cn_date(data.report_date)
    page = max(i for i, p in enumerate(pdf.pages(), 1) if date in p)  # before the 附件
    boxes = text_boxes(pdf, page)
    signed = next(b for b in boxes if b[4] == date)
    note = next(b for b in boxes if b[4].startswith("审计链指纹"))
    assert note[1] > signed[3]  # below the date of the sign-off
    # A publication from before fingerprints were kept prints none.
    assert "审计链指纹" not in unit_pdf.flat_text()


def test_reports_render_in_threads(tmp_path):
    """A web server may render in several threads at once: each gets whole, right PDFs."""
    units = [sample_reports.sample_unit_report(i, indicator_count=6) for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(render.render_unit_report, units))
    for index, (data, pdf) in enumerate(zip(units, pdfs, strict=True)):
        path = tmp_path / f"{index}.pdf"
        path.write_bytes(pdf)
        text = RenderedPdf(path, pdf).flat_text()
        assert data.unit_name + "2011年度" in text
        assert render.num(data.total) in text


def test_opening_states_the_team_the_days_and_the_evidence(unit_pdf, unit_data):
    """The opening says who inspected and when (from the review records) and how much
    evidence there was, not a form letter."""
    text = unit_pdf.flat_text()
    seen = unit_data.inspection
    days = render.cn_date_range(seen.first_day, seen.last_day)
    assert days == "2011年12月5日至9日"
    assert f"组织督查组（成员：{'、'.join(seen.team)}）于{days}，对{unit_data.unit_name}" in text
    indicators = len({e.indicator_code for e in unit_data.evidence})
    assert f"查阅了{indicators}项指标的佐证材料{len(unit_data.evidence)}份" in text


def test_compares_with_last_year(unit_pdf, unit_data):
    change = facts.year_change(unit_data)
    assert change.total and change.places and change.grade != change.previous_grade
    text = unit_pdf.flat_text()
    moved = "提高" if change.total > 0 else "下降"
    assert (
        f"与{change.year}年度相比，总得分{moved}{render.num(abs(change.total))}分"
        f"（上年{render.num(change.previous_total)}分）"
    ) in text
    climbed = "上升" if change.places > 0 else "下降"
    assert f"排名{climbed}{abs(change.places)}位（上年第{change.previous_rank}位）" in text
    assert f"等次由“{change.previous_grade}”变为“{change.grade}”。" in text
    # each category's change in points, on the category's row of its table
    cells = []  # the table's cells, on each page it spans, below its head (y points up)
    for page in (i for i, p in enumerate(unit_pdf.pages(), 1) if "较上年" in p):
        on_page = cell_texts(unit_pdf, page)[0]
        head = next(c for c in on_page if c[3].startswith("较上年"))
        cells += [(page, *c) for c in on_page if c[2] < head[2]]  # not the radar's labels
    for category in unit_data.categories:
        name = next(c for c in cells if c[4] == category.name)
        level = sorted(
            c[1:] for c in cells if c[0] == name[0] and c[1] > name[2] and abs(c[3] - name[3]) < 2
        )
        assert level[-1][3] == render.signed(change.categories[category.name]), category.name


def test_evidence_is_an_attachment_listed_by_indicator(unit_pdf, unit_data):
    """附件 (GB/T 9704 §7.3.4, §8): named under the text before the sign-off; the list
    starts its own page with 附件 at the top left and its title centred, each file under
    its indicator."""
    pages = unit_pdf.pages()
    signed = max(i for i, p in enumerate(pages, 1) if render.cn_date(unit_data.report_date) in p)
    assert "附件：佐证材料清单" in re.sub(r"\s+", "", pages[signed - 1])
    first = next(i for i, p in enumerate(pages, 1) if i > signed and "佐证材料清单" in p)
    boxes = sorted(text_boxes(unit_pdf, first), key=lambda b: b[1])
    label, title = boxes[0], boxes[1]
    assert label[4] == "附件" and abs(label[0] - 28 * MM) < 1  # top left, no indent
    assert title[4] == "佐证材料清单"
    middle = 28 * MM + 156 * MM / 2
    assert abs((title[0] + title[2]) / 2 - middle) < 2  # centred on the text block

    def flat(text):
        return re.sub(r"\s+", "", text)

    runs = [  # the attachment's cells in reading order (y points up)
        run
        for page in range(first, len(pages) + 1)
        for run in sorted(cell_texts(unit_pdf, page)[0], key=lambda r: (-round(r[2]), r[0]))
    ]
    left = 28 * MM
    groups = facts.evidence_by_indicator(unit_data.evidence, unit_data.indicators)
    heads = [
        next(
            k
            for k, run in enumerate(runs)
            if flat(run[3]) == f"{g.code}{g.name}（{len(g.files)}份）"
        )
        for g in groups
    ]
    assert heads == sorted(heads)  # in the set's order
    for group, start, end in zip(groups, heads, [*heads[1:], len(runs)], strict=True):
        # the file-name column (after 序号), between this indicator's line and the next,
        # without the head repeated on a new page
        names = "".join(
            r[3]
            for r in runs[start + 1 : end]
            if left + 12 * MM < r[0] < left + 85 * MM and r[3] != "材料名称"
        )
        assert flat(names) == "".join(flat(f.filename) for f in group.files), group.code


def test_says_ties_and_a_deduction_without_demands(pdf_dir):
    """Ties between categories are told as ties; deductions without a rectification demand
    say so instead of "提出整改要求0项"; no comparison without last year's result."""
    base = sample_reports.sample_unit_report(2, indicator_count=6)
    assert any(r.deduction for r in base.indicators)

    def category(name, rate):
        return CategoryScore(name, name, Decimal(rate) / 10, Decimal(10), Decimal(rate))

    tied = dataclasses.replace(
        base,
        categories=(
            category("甲类", "90"),
            category("乙类", "70"),
            category("丙类", "90"),
            category("丁类", "70"),
        ),
        rectifications=(),
        problems=(),
        previous=None,
        inspection=InspectionFacts(),
    )
    text = render_to(pdf_dir, "ties.pdf", tied).flat_text()
    assert "“甲类”“丙类”得分率并列最高，均为90.00%；“乙类”“丁类”得分率并列最低，均为70.00%" in text
    assert "未提出整改要求" in text and "整改要求0项" not in text
    assert "与2010年度相比" not in text and "较上年" not in text
    assert "组织督查组对" in text  # no team or days recorded: none invented
    level = dataclasses.replace(tied, categories=(category("甲类", "80"), category("乙类", "80")))
    assert "各类指标得分率均为80.00%" in render_to(pdf_dir, "level.pdf", level).flat_text()
