"""Fonts for printed reports and charts: which font plays which role, and proof it is there.

Three roles, each configurable from the environment by a family name known to fontconfig
or by the path of a font file:

| role    | variable                    | used for                                  |
| ------- | --------------------------- | ----------------------------------------- |
| `serif` | `ASSESS_REPORT_FONT_SERIF`  | body text and tables (仿宋-style)          |
| `title` | `ASSESS_REPORT_FONT_TITLE`  | document titles (小标宋-style, bold)        |
| `sans`  | `ASSESS_REPORT_FONT_SANS`   | level-one headings (黑体-style) and charts |

Unset, each role takes the first installed face of :data:`DEFAULTS`: the faces GB/T 9704
names (仿宋, 小标宋, 黑体) when the office has installed them, else the free Debian CJK fonts
(fonts-noto-cjk, fonts-wqy-zenhei, fonts-wqy-microhei). A configured font that is absent, or no default at
all, raises :class:`MissingFontError` with a message naming the font: a report is never
printed in a fallback face. Text comes from users, though, and a character no installed font
can draw (a private-use or unassigned code point pasted from elsewhere) must not stop a
report: :func:`printable` swaps each such character for a visible replacement the report
fonts do have (□) and logs it; :func:`ensure_coverage` is the strict check.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scoring.i18n import _

FONT_PACKAGES = "fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei"

# Family names in order of preference. GB/T 9704 prints the body in 仿宋 (FangSong), titles
# in 小标宋 and level-one headings in 黑体: an office that has installed these (licensed, from
# Windows, 方正 or 华文) gets them without configuring anything. fontconfig matches a family
# by any of its names, Chinese ones included. Debian has no free FangSong with simplified
# characters, so without them the Noto Serif CJK (a 宋体 face) stands in for 仿宋 and its
# Bold for 小标宋, and Noto Sans CJK for 黑体.
FANGSONG = ("FangSong", "FangSong_GB2312", "仿宋_GB2312", "仿宋", "STFangsong", "FZFangSong-Z02S")
XIAOBIAOSONG = ("FZXiaoBiaoSong-B05S", "方正小标宋简体", "FZXiaoBiaoSong-B05", "方正小标宋_GBK")
HEITI = ("SimHei", "黑体", "STHeiti", "FZHei-B01S")
FREE = ("Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
DEFAULTS: dict[str, tuple[str, ...]] = {
    "serif": (*FANGSONG, *FREE),
    "title": (*XIAOBIAOSONG, *FREE),
    "sans": (
        *HEITI,
        "Noto Sans CJK SC",
        "WenQuanYi Zen Hei",
        "WenQuanYi Micro Hei",
        "Noto Serif CJK SC",
    ),
}
ENV = {
    "serif": "ASSESS_REPORT_FONT_SERIF",
    "title": "ASSESS_REPORT_FONT_TITLE",
    "sans": "ASSESS_REPORT_FONT_SANS",
}
_NO_GLYPH = {"Cc", "Cf", "Zs", "Zl", "Zp"}
# What a character without a glyph prints as: the first of these the report fonts have.
# Noto CJK lacks U+FFFD but has the white square.
REPLACEMENTS = ("\ufffd", "\u25a1", "?")
log = logging.getLogger(__name__)
# Characters a report always prints: a CJK font that lacks them is not a CJK font.
_PROBE = "督查报告得分一二三—（）０1"


class MissingFontError(RuntimeError):
    """A font the reports need is not installed (message in the user's language)."""


class MissingGlyphError(MissingFontError):
    """Text holds characters that no installed font can draw."""

    def __init__(self, message: str, characters: str) -> None:
        super().__init__(message)
        self.characters = characters

    def __reduce__(self):  # pickles (batch workers send it back to the caller)
        return type(self), (str(self), self.characters)


@dataclass(frozen=True)
class ReportFont:
    """One resolved font role.

    ``family`` is the CSS family name to print with; ``path``/``index`` the face on disk;
    ``from_file`` says the family only exists through an ``@font-face`` rule built by
    :func:`font_face_css`; ``weight`` is the heaviest weight available up to bold (a title
    font that has no bold face is printed at its own weight rather than faked).
    """

    role: str
    family: str
    path: Path
    index: int
    from_file: bool
    weight: int = 400


@dataclass(frozen=True)
class ReportFonts:
    serif: ReportFont
    title: ReportFont
    sans: ReportFont

    def __iter__(self):
        return iter((self.serif, self.title, self.sans))


def report_fonts() -> ReportFonts:
    """The fonts for every role under the current environment; raises MissingFontError."""
    return _resolve_all(tuple(os.environ.get(ENV[role], "").strip() for role in DEFAULTS))


@cache
def _resolve_all(configured: tuple[str, ...]) -> ReportFonts:
    resolved = {
        role: _resolve(role, value) for role, value in zip(DEFAULTS, configured, strict=True)
    }
    return ReportFonts(**resolved)


def _resolve(role: str, configured: str) -> ReportFont:
    if configured and _looks_like_path(configured):
        return _from_file(role, Path(configured).expanduser())
    candidates = (configured,) if configured else DEFAULTS[role]
    for family in candidates:
        faces = _fc_list(f"{_fc_escape(family)}:lang=zh-cn")
        # fontconfig also matches a family by one of its localised names: keep exact matches.
        faces = [f for f in faces if family.casefold() in (n.casefold() for n in f[2])]
        if faces:
            regular = min(faces, key=lambda f: abs(f[3] - 80))  # fontconfig regular = 80
            bold = any(f[3] >= 200 for f in faces)  # fontconfig bold = 200
            weight = 700 if role == "title" and bold else 400
            return ReportFont(role, family, regular[0], regular[1], False, weight)
    if configured:
        raise MissingFontError(
            _(
                "未找到报告字体“%(font)s”（环境变量 %(env)s）。请安装该字体，"
                "或将 %(env)s 设为已安装的中文字体名称或字体文件路径。",
                font=configured,
                env=ENV[role],
            )
        )
    raise MissingFontError(
        _(
            "未找到可用于报告的中文字体（需要以下任一字体：%(fonts)s）。"
            "请安装 Debian 软件包 %(packages)s，或通过环境变量 %(env)s 指定中文字体。",
            fonts="、".join(DEFAULTS[role]),
            packages=FONT_PACKAGES,
            env=ENV[role],
        )
    )


def _looks_like_path(value: str) -> bool:
    return os.sep in value or value.lower().endswith((".ttf", ".otf", ".ttc", ".otc"))


def _from_file(role: str, path: Path) -> ReportFont:
    if not path.is_file():
        raise MissingFontError(
            _(
                "未找到报告字体文件“%(font)s”（环境变量 %(env)s）。",
                font=str(path),
                env=ENV[role],
            )
        )
    if not set(_PROBE) <= _charmap(str(path), 0):
        raise MissingFontError(
            _(
                "字体文件“%(font)s”（环境变量 %(env)s）不含中文字形，不能用于报告。",
                font=str(path),
                env=ENV[role],
            )
        )
    # A file-configured title font is taken as it is (e.g. a 小标宋 face that looks bold
    # but is registered regular): printed at weight 400, never synthetically emboldened.
    return ReportFont(role, f"Assess {role.title()}", path.resolve(), 0, True, 400)


def font_face_css(fonts: ReportFonts) -> str:
    """``@font-face`` rules for the roles configured by file path ('' when none are)."""
    rules = []
    for font in fonts:
        if font.from_file:
            rules.append(
                f'@font-face {{ font-family: "{font.family}"; '
                f'src: url("{font.path.as_uri()}"); font-weight: {font.weight}; }}'
            )
    return "\n".join(rules)


def missing_glyphs(
    text: str, fonts: ReportFonts | None = None, *, system_fallback: bool = True
) -> str:
    """The characters of ``text`` that have no glyph to print with, sorted ('' if none).

    With ``system_fallback`` (PDFs: Pango falls back through fontconfig) a character the
    report fonts lack is fine when any installed font has it; without it (charts:
    matplotlib only searches its own family list) the report fonts must have it.
    """
    fonts = fonts or report_fonts()
    # Control and format characters and spaces draw nothing; everything else (private-use
    # and unassigned code points included) needs a glyph.
    wanted = {c for c in set(text) if not c.isspace() and unicodedata.category(c) not in _NO_GLYPH}
    for font in fonts:
        wanted -= _charmap(str(font.path), font.index)
        if not wanted:
            return ""
    if system_fallback:
        wanted = {c for c in wanted if not _fc_list(f":charset={ord(c):x}")}
    return "".join(sorted(wanted))


def replacement_character(fonts: ReportFonts | None = None) -> str:
    """The visible stand-in for a character without a glyph: one every report font has."""
    fonts = fonts or report_fonts()
    for candidate in REPLACEMENTS:
        if all(candidate in _charmap(str(font.path), font.index) for font in fonts):
            return candidate
    return REPLACEMENTS[-1]


def printable(
    text: str,
    fonts: ReportFonts | None = None,
    *,
    system_fallback: bool = True,
    where: str = "report",
) -> str:
    """``text`` with every character that has no glyph replaced by
    :func:`replacement_character`, each replacement logged (code points and ``where``) so
    an operator can install a font or correct the text. Never raises for the text."""
    fonts = fonts or report_fonts()
    missing = missing_glyphs(text, fonts, system_fallback=system_fallback)
    if not missing:
        return text
    log.warning(
        "%s: characters without a glyph printed as a replacement: %s",
        where,
        " ".join(f"U+{ord(c):04X}" for c in missing),
    )
    stand_in = replacement_character(fonts)
    return text.translate({ord(c): stand_in for c in missing})


def ensure_coverage(
    text: str, fonts: ReportFonts | None = None, *, system_fallback: bool = True
) -> None:
    """Refuse ``text`` if some character in it has no glyph to print with (see
    :func:`missing_glyphs`). Raises MissingGlyphError naming the characters."""
    missing = missing_glyphs(text, fonts, system_fallback=system_fallback)
    if missing:
        raise MissingGlyphError(
            _(
                "报告中的字符“%(chars)s”在已安装的字体中都没有字形，无法打印。"
                "请安装包含这些字符的字体，或修改相应文字。",
                chars=missing,
            ),
            missing,
        )


_charmap_lock = threading.Lock()


@cache
def _charmap(path: str, index: int) -> frozenset[str]:
    """The characters a font face maps (FreeType through matplotlib: ~10 ms for Noto CJK)."""
    from matplotlib.ft2font import FT2Font

    with _charmap_lock:
        try:
            codes = FT2Font(path, face_index=index).get_charmap()
        except (OSError, RuntimeError, ValueError) as exc:
            raise MissingFontError(
                _("无法读取字体文件“%(font)s”：%(error)s", font=path, error=str(exc))
            ) from exc
    return frozenset(chr(code) for code in codes if code < 0x110000)


def advance(text: str, font: ReportFont) -> float:
    """The width of ``text`` set in ``font`` without letter spacing or kerning, in em (a
    CJK character is 1; Noto's figures are about 0.56). For placing lines whose position
    the standard fixes, such as the sign-off's date."""
    return sum(_advances(str(font.path), font.index).get(char, 1.0) for char in text)


@cache
def _advances(path: str, index: int) -> dict[str, float]:
    """Advance widths in em of the face's non-CJK characters (CJK ones are all 1 em)."""
    from matplotlib.ft2font import FT2Font, LoadFlags

    with _charmap_lock:
        face = FT2Font(path, face_index=index)
        units = face.units_per_EM
        mapped = face.get_charmap()
        return {
            chr(code): face.load_char(code, flags=LoadFlags.NO_SCALE).horiAdvance / units
            for code in range(0x20, 0x2100)
            if code in mapped
        }


def _fc_list(pattern: str) -> list[tuple[Path, int, tuple[str, ...], int]]:
    """Faces fontconfig lists for ``pattern``: (file, index, family names, weight)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise MissingFontError(
            _("未找到 fontconfig 的 fc-list 命令。请安装 Debian 软件包 fontconfig。")
        )
    out = subprocess.run(
        [fc_list, "--format", "%{file}\t%{index}\t%{family}\t%{weight}\n", pattern],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    ).stdout
    faces = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        file, index, families, weight = parts
        try:
            faces.append((Path(file), int(index), tuple(families.split(",")), int(float(weight))))
        except ValueError:
            continue
    return sorted(faces)


def _fc_escape(family: str) -> str:
    """Escape the characters fontconfig's pattern syntax gives a meaning to."""
    for char in "\\-:,=":
        family = family.replace(char, "\\" + char)
    return family
