"""Policy traceability (政策条款追溯): from the clauses of a policy document to the indicators
that cite them, and the clauses no indicator covers.

An indicator's ``source`` (SPEC §3) names a document and a clause the way the documents
number themselves: ``郑政办〔2010〕90号 三(四)1`` is section 三, sub-section (四), item 1;
several clauses are separated by ``；`` and a later one may leave the document out
(``郑政办〔2015〕80号 三(一)；三(五)``); text after the clause is a note (``三(三) 人社局``,
the department the clause names). :func:`outline` reads a document's clause tree from its
text (``一、`` / ``(一)`` or ``（一）`` / ``1.``, ``1．`` or ``1、`` at the start of a line, up to
its attachments), :func:`trace` joins the two.

Pure: no files, no database; the documents' texts are handed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

NUMERALS = "一二三四五六七八九十"
_LEVEL_PATTERNS = (
    re.compile(rf"^([{NUMERALS}]+)、\s*(.*)$"),
    re.compile(rf"^[（(]([{NUMERALS}]+)[）)]\s*(.*)$"),
    re.compile(r"^(\d+)[．.、]\s*(.*)$"),
)
_PATH = re.compile(rf"^([{NUMERALS}]+)(?:[（(]([{NUMERALS}]+)[）)])?(\d+)?")
_ATTACHMENT = re.compile(r"^附\s*件")
HEADING_CHARS = 30


@dataclass(frozen=True)
class Citation:
    """One clause an indicator cites: ``document`` as the set writes it (whitespace
    removed), ``path`` the clause's numbers from the top (``("三", "四", "1")``; empty when
    the whole document is cited) and ``note`` any text after it."""

    document: str
    path: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Clause:
    """A numbered clause of a document: its ``path`` of numbers, its ``heading`` (the start
    of its text, up to the first full stop) and the ``line`` (1-based) it starts on."""

    path: tuple[str, ...]
    heading: str
    line: int

    @property
    def label(self) -> str:
        return clause_label(self.path)


@dataclass(frozen=True)
class ClauseLink:
    """A clause and the indicators (codes) tied to it: citing it exactly (``direct``),
    citing one of its sub-clauses (``within``) or citing a clause that encloses it
    (``enclosing``). Covered when any of the three is non-empty."""

    clause: Clause
    direct: tuple[str, ...]
    within: tuple[str, ...]
    enclosing: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return bool(self.direct or self.within or self.enclosing)

    @property
    def coverage(self) -> str:
        """How the clause is covered: ``direct``, ``within``, ``enclosing`` or ``none``."""
        if self.direct:
            return "direct"
        if self.within:
            return "within"
        return "enclosing" if self.enclosing else "none"


@dataclass(frozen=True)
class Trace:
    """One document traced against a set: every clause with its links, and the citations
    naming a clause the document does not have (a mistake in the set)."""

    document: str
    links: tuple[ClauseLink, ...]
    unresolved: tuple[tuple[str, Citation], ...]

    @property
    def uncovered(self) -> tuple[Clause, ...]:
        return tuple(link.clause for link in self.links if not link.covered)


def compact(text: str) -> str:
    """``text`` without any whitespace (documents write ``郑政办 〔2015〕80号``)."""
    return re.sub(r"\s+", "", text)


def clause_label(path: Sequence[str]) -> str:
    """A clause's number as the documents print it, brackets full-width: ``三（四）2``."""
    if not path:
        return ""
    label = path[0]
    if len(path) > 1:
        label += f"（{path[1]}）" if _is_numeral(path[1]) else path[1]
    return label + "".join(path[2:])


def _is_numeral(text: str) -> bool:
    return bool(text) and all(ch in NUMERALS for ch in text)


def parse_citations(source: str, documents: Iterable[str]) -> list[Citation]:
    """The clauses an indicator's ``source`` cites. ``documents`` are the citations of the
    known documents: the longest one the source starts with is its document (so
    ``县《…工作方案》三(一)`` parses without a space); a part without one inherits the
    previous part's. A source naming no known document gives one citation of its first
    word with an empty path."""
    known = sorted({compact(d) for d in documents}, key=len, reverse=True)
    found: list[Citation] = []
    document = ""
    for part in re.split(r"[；;]", source):
        part = part.strip()
        if not part:
            continue
        squeezed = compact(part)
        named = next((d for d in known if squeezed.startswith(d)), None)
        if named is not None:
            document, rest = named, _after(part, named)
        elif not document:
            word, _, rest = part.partition(" ")
            document = compact(word)
        else:
            rest = part
        match = _PATH.match(rest.strip())
        if match is None:
            found.append(Citation(document, (), rest.strip()))
            continue
        path = tuple(g for g in match.groups() if g)
        found.append(Citation(document, path, rest.strip()[match.end() :].strip()))
    return found


def _after(part: str, document: str) -> str:
    """``part`` after its leading ``document`` (which ``part`` may spell with spaces)."""
    seen = 0
    for index, char in enumerate(part):
        if not char.isspace():
            seen += 1
        if seen == len(document):
            return part[index + 1 :]
    return ""


def outline(text: str) -> list[Clause]:
    """The numbered clauses of a document's ``text``, in order. Numbering is read at the
    start of a line; a sub-level needs its parent (an ``(一)`` before any ``一、`` is
    prose), and the body ends at an ``附件`` line or where the top level starts over
    (the member lists after the body number themselves again)."""
    clauses: list[Clause] = []
    current: list[str] = []
    last_top = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if _ATTACHMENT.match(line):
            break
        for level, pattern in enumerate(_LEVEL_PATTERNS):
            match = pattern.match(line)
            if match is None:
                continue
            mark, rest = match.groups()
            if level == 0:
                value = numeral_value(mark)
                if value <= last_top:
                    return clauses
                last_top = value
                current = [mark]
            elif not current:
                break
            else:
                current = current[: min(level, len(current))] + [mark]
            clauses.append(Clause(tuple(current), _heading(rest), number))
            break
    return clauses


def numeral_value(mark: str) -> int:
    """一 → 1 … 十 → 10, 十一 → 11 (documents number their sections no further)."""
    if mark == "十":
        return 10
    if mark.startswith("十"):
        return 10 + NUMERALS.index(mark[1]) + 1
    if mark.endswith("十"):
        return (NUMERALS.index(mark[0]) + 1) * 10
    return NUMERALS.index(mark[0]) + 1


def _heading(text: str) -> str:
    head = re.split(r"[。；;]", text, maxsplit=1)[0].strip()
    return head if len(head) <= HEADING_CHARS else head[: HEADING_CHARS - 1] + "…"


def trace(
    document: str,
    clauses: Sequence[Clause],
    citations: Mapping[str, Sequence[Citation]],
) -> Trace:
    """``document``'s ``clauses`` with the indicators (``citations``: indicator code →
    what its source cites) tied to each, and the citations of ``document`` naming a
    clause it does not have. A citation of the whole document ties no clause."""
    wanted = compact(document)
    paths = {clause.path for clause in clauses}
    cited: list[tuple[str, tuple[str, ...]]] = []
    unresolved: list[tuple[str, Citation]] = []
    for code, items in citations.items():
        for citation in items:
            if citation.document != wanted or not citation.path:
                continue
            if citation.path in paths:
                cited.append((code, citation.path))
            else:
                unresolved.append((code, citation))
    links = []
    for clause in clauses:
        depth = len(clause.path)
        direct = _codes(code for code, path in cited if path == clause.path)
        within = _codes(
            code for code, path in cited if len(path) > depth and path[:depth] == clause.path
        )
        enclosing = _codes(
            code for code, path in cited if len(path) < depth and clause.path[: len(path)] == path
        )
        links.append(ClauseLink(clause, direct, within, enclosing))
    return Trace(wanted, tuple(links), tuple(unresolved))


def _codes(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(codes))
