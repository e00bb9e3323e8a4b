"""Fonts: configurable by family name or file, a clear error when absent, no fallback face."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from assess.reports import fonts, render
from assess.reports.fonts import MissingFontError, MissingGlyphError
from tests.reports import sample_reports
from tests.reports.report_helpers import render_to

pytestmark = pytest.mark.pure

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
WQY_ZENHEI = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


@pytest.fixture
def small_report():
    return sample_reports.sample_unit_report(2, indicator_count=6)


def test_defaults_are_free_debian_cjk_fonts(monkeypatch):
    for variable in fonts.ENV.values():
        monkeypatch.delenv(variable, raising=False)
    chosen = fonts.report_fonts()
    assert chosen.serif.family == "Noto Serif CJK SC"
    assert chosen.title.family == "Noto Serif CJK SC" and chosen.title.weight == 700
    assert chosen.sans.family == "Noto Sans CJK SC"
    assert all(f.path.is_file() for f in chosen)


def test_installed_fangsong_and_xiaobiaosong_faces_are_preferred(monkeypatch):
    # An office that installed its licensed faces (here 方正小标宋 and Windows' 仿宋, both
    # stood in for by a real CJK file) gets them as GB/T 9704 names them, unconfigured.
    for variable in fonts.ENV.values():
        monkeypatch.delenv(variable, raising=False)
    real = fonts._fc_list
    installed = {
        "FangSong": (WQY_ZENHEI, 0, ("FangSong", "仿宋"), 80),
        "方正小标宋简体": (WQY_ZENHEI, 0, ("FZXiaoBiaoSong-B05S", "方正小标宋简体"), 80),
    }

    def fc_list(pattern):
        family = pattern.split(":")[0].replace("\\", "")
        return [installed[family]] if family in installed else real(pattern)

    monkeypatch.setattr(fonts, "_fc_list", fc_list)
    fonts._resolve_all.cache_clear()
    try:
        chosen = fonts.report_fonts()
    finally:
        fonts._resolve_all.cache_clear()
    assert chosen.serif.family == "FangSong"
    # 小标宋 has one weight, already heavy: printed as it is, not emboldened.
    assert chosen.title.family == "方正小标宋简体" and chosen.title.weight == 400
    assert chosen.sans.family == "Noto Sans CJK SC"  # no 黑体 installed: the free face
    assert fonts.DEFAULTS["serif"].index("FangSong") < fonts.DEFAULTS["serif"].index(
        "Noto Serif CJK SC"
    )


def test_missing_family_names_the_font(monkeypatch, small_report):
    monkeypatch.setenv("ASSESS_REPORT_FONT_SERIF", "FZFangSong-Z02 Nowhere")
    with pytest.raises(MissingFontError) as caught:
        render.render_unit_report(small_report)
    message = str(caught.value)
    assert "FZFangSong-Z02 Nowhere" in message
    assert "ASSESS_REPORT_FONT_SERIF" in message
    assert "未找到报告字体" in message


def test_missing_file_names_the_file(monkeypatch, small_report, tmp_path):
    missing = tmp_path / "方正小标宋.ttf"
    monkeypatch.setenv("ASSESS_REPORT_FONT_TITLE", str(missing))
    with pytest.raises(MissingFontError) as caught:
        render.render_unit_report(small_report)
    assert str(missing) in str(caught.value)
    assert "ASSESS_REPORT_FONT_TITLE" in str(caught.value)


@pytest.mark.skipif(not DEJAVU.is_file(), reason="DejaVu Sans not installed")
def test_font_without_chinese_is_refused(monkeypatch):
    monkeypatch.setenv("ASSESS_REPORT_FONT_SERIF", str(DEJAVU))
    with pytest.raises(MissingFontError, match="不含中文字形"):
        fonts.report_fonts()


def test_latin_family_is_not_taken_for_a_chinese_one(monkeypatch):
    monkeypatch.setenv("ASSESS_REPORT_FONT_SANS", "DejaVu Sans")
    with pytest.raises(MissingFontError, match="DejaVu Sans"):
        fonts.report_fonts()


def test_no_default_font_at_all(monkeypatch):
    for variable in fonts.ENV.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(fonts, "DEFAULTS", {role: ("No Such CJK Font",) for role in fonts.DEFAULTS})
    fonts._resolve_all.cache_clear()
    try:
        with pytest.raises(MissingFontError) as caught:
            fonts.report_fonts()
        assert "fonts-noto-cjk" in str(caught.value)
        assert "No Such CJK Font" in str(caught.value)
    finally:
        fonts._resolve_all.cache_clear()


def test_character_no_font_has_is_refused_by_the_strict_check(small_report):
    with pytest.raises(MissingGlyphError) as caught:
        fonts.ensure_coverage("中原\ue000区")
    assert caught.value.characters == "\ue000"
    assert "\ue000" in str(caught.value)


def test_character_no_font_has_prints_a_replacement(tmp_path, small_report):
    # The PDF no longer refuses it (issue 11): user text must not cost a unit its report.
    data = dataclasses.replace(small_report, unit_name="中原\ue000区")
    pdf = render_to(tmp_path, "replaced.pdf", data)
    assert "中原" + fonts.replacement_character() + "区" in pdf.flat_text()
    assert "\ue000" not in pdf.flat_text()


@pytest.mark.skipif(not WQY_ZENHEI.is_file(), reason="fonts-wqy-zenhei not installed")
def test_fonts_by_family_and_by_file(monkeypatch, small_report, tmp_path):
    monkeypatch.setenv("ASSESS_REPORT_FONT_SERIF", "WenQuanYi Zen Hei")
    monkeypatch.setenv("ASSESS_REPORT_FONT_TITLE", str(WQY_ZENHEI))
    pdf = render_to(tmp_path, "wqy.pdf", small_report)
    names = [f["name"] for f in pdf.fonts()]
    assert any("WenQuanYi" in name for name in names), names
    assert all((f["emb"], f["sub"], f["uni"]) == ("yes",) * 3 for f in pdf.fonts())
    assert small_report.unit_name in pdf.flat_text()
    assert pdf.warnings == []
