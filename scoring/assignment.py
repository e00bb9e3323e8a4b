"""Balanced reviewer assignment (评审分配) for a nomination round, per SPEC §5. Pure.

Each nomination gets ``k`` distinct reviewers; a reviewer is never given a nomination from
its own unit (the nominating unit), nor one it has declared a conflict with (回避). Loads
are as even as those rules allow: when they allow it at all, every reviewer gets
``floor(n·k / R)`` or ``ceil(n·k / R)`` nominations (loads differ by at most one).

The problem is a bipartite b-matching, solved as a maximum flow (source → nomination,
capacity ``k``; nomination → eligible reviewer, capacity 1; reviewer → sink, capacity the
load limit). The seed only shuffles the order in which edges are tried, so the same inputs
and seed always give the same assignment, and another seed gives another valid one.

Import the module (``from scoring import assignment``): its ``Nomination`` is the plain
reference used here, not the web app's model.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scoring.i18n import _


@dataclass(frozen=True)
class Nomination:
    """A nomination to be reviewed, with the unit that nominated it (提名单位); ``name``
    is what messages call it (the nominee), the id when blank."""

    id: str
    unit: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Reviewer:
    """A panel member (评审专家) and the unit it works for; ``name`` is what messages call
    the person, the id when blank."""

    id: str
    unit: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


class AssignmentError(ValueError):
    """No assignment satisfies the rules; the message says which nominations lack reviewers."""


def eligible(
    nomination: Nomination, reviewer: Reviewer, conflicts: frozenset[tuple[str, str]]
) -> bool:
    """True when ``reviewer`` may review ``nomination`` (the one conflict-of-interest rule)."""
    return reviewer.unit != nomination.unit and (reviewer.id, nomination.id) not in conflicts


def assign_reviewers(
    nominations: Iterable[Nomination],
    reviewers: Iterable[Reviewer],
    k: int = 5,
    *,
    conflicts: Iterable[tuple[str, str]] = (),
    seed: int = 0,
) -> dict[str, tuple[str, ...]]:
    """Assign ``k`` reviewers to every nomination; returns nomination id → reviewer ids (sorted).

    ``conflicts`` holds declared ``(reviewer id, nomination id)`` pairs. Loads are perfectly
    balanced (differ by at most one) whenever the conflicts permit; otherwise the largest
    load is made as small as possible, and then the smallest load as large as possible.
    Raises :class:`AssignmentError` when ``k`` < 1, ids repeat, or some nomination has fewer
    than ``k`` eligible reviewers.
    """
    nominations = sorted(nominations, key=lambda n: n.id)
    reviewers = sorted(reviewers, key=lambda r: r.id)
    conflict_set = frozenset(conflicts)
    _check_ids(nominations, reviewers)
    if k < 1:
        raise AssignmentError(_("每个提名的评审人数至少为 1"))
    if not nominations:
        return {}

    candidates = [
        [r for r, rev in enumerate(reviewers) if eligible(n, rev, conflict_set)]
        for n in nominations
    ]
    short = [
        _("%(nomination)s（可回避后仅剩 %(count)d 人）", nomination=n.label, count=len(c))
        for n, c in zip(nominations, candidates, strict=True)
        if len(c) < k
    ]
    if short:
        raise AssignmentError(
            _(
                "每个提名需要 %(k)d 名无利益冲突的评审人，以下提名不够：%(list)s",
                k=k,
                list="；".join(short),
            )
        )

    # Reproducible shuffling, not secrecy: the admin must be able to re-run an assignment.
    rng = random.Random(seed)  # noqa: S311
    for options in candidates:
        rng.shuffle(options)
    demand = len(nominations) * k
    low, high = demand // len(reviewers), -(-demand // len(reviewers))
    # Smallest feasible maximum load first (fairness to the busiest), then the largest
    # feasible minimum under it. With k eligible reviewers per nomination, a maximum of
    # len(nominations) always works, so both searches end.
    while _solve(candidates, len(reviewers), k, 0, high) is None:
        high += 1
    low = min(low, high)
    while (flow := _solve(candidates, len(reviewers), k, low, high)) is None:
        low -= 1
    return {
        nomination.id: tuple(sorted(reviewers[r].id for r in chosen))
        for nomination, chosen in zip(nominations, flow, strict=True)
    }


def check_assignment(
    assignment: Mapping[str, Sequence[str]],
    nominations: Iterable[Nomination],
    reviewers: Iterable[Reviewer],
    k: int = 5,
    *,
    conflicts: Iterable[tuple[str, str]] = (),
) -> list[str]:
    """Problems with an assignment (e.g. one the admin adjusted by hand); empty when valid.

    Reports unknown ids, a reviewer listed twice on a nomination, a reviewer with a conflict
    (own unit or declared), and a nomination with fewer than ``k`` reviewers. More than
    ``k`` is allowed: the admin may add a reviewer.
    """
    nomination_by_id = {n.id: n for n in nominations}
    reviewer_by_id = {r.id: r for r in reviewers}
    conflict_set = frozenset(conflicts)
    problems: list[str] = []
    for nomination_id in sorted(assignment):
        nomination = nomination_by_id.get(nomination_id)
        if nomination is None:
            problems.append(_("未知的提名 %(nomination)s", nomination=nomination_id))
            continue
        assigned = list(assignment[nomination_id])
        for reviewer_id in sorted(set(assigned)):
            reviewer = reviewer_by_id.get(reviewer_id)
            params = {
                "nomination": nomination.label,
                "reviewer": reviewer.label if reviewer else reviewer_id,
            }
            if reviewer is None:
                problems.append(_("提名 %(nomination)s：未知的评审人 %(reviewer)s", **params))
            elif reviewer.unit == nomination.unit:
                problems.append(
                    _("提名 %(nomination)s：评审人 %(reviewer)s 来自提名单位", **params)
                )
            elif (reviewer_id, nomination_id) in conflict_set:
                problems.append(_("提名 %(nomination)s：评审人 %(reviewer)s 已声明回避", **params))
            if assigned.count(reviewer_id) > 1:
                problems.append(_("提名 %(nomination)s：评审人 %(reviewer)s 重复分配", **params))
        if len(set(assigned)) < k:
            problems.append(
                _(
                    "提名 %(nomination)s 只分配了 %(count)d 名评审人，应为 %(k)d 名",
                    nomination=nomination.label,
                    count=len(set(assigned)),
                    k=k,
                )
            )
    for nomination_id in sorted(set(nomination_by_id) - set(assignment)):
        label = nomination_by_id[nomination_id].label
        problems.append(_("提名 %(nomination)s 尚未分配评审人", nomination=label))
    return problems


def _check_ids(nominations: list[Nomination], reviewers: list[Reviewer]) -> None:
    for items, message in (
        (nominations, _("提名编号重复：%(ids)s")),
        (reviewers, _("评审人编号重复：%(ids)s")),
    ):
        ids = [item.id for item in items]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise AssignmentError(message % {"ids": "、".join(repeated)})


def _solve(
    candidates: list[list[int]], reviewer_count: int, k: int, low: int, high: int
) -> list[list[int]] | None:
    """Reviewers per nomination with every load in [low, high], or None if there is none.

    Two phases of one max flow: first with every reviewer capped at ``low`` (all must fill,
    or the lower bound is infeasible), then with the caps raised to ``high``. Augmenting
    paths end at the sink and never pass through it, so the flow into the sink along each
    reviewer's edge never shrinks in the second phase: the lower bounds stay met.
    """
    nomination_count = len(candidates)
    source, sink = 0, 1 + nomination_count + reviewer_count
    graph = _FlowGraph(sink + 1)
    for index, options in enumerate(candidates):
        graph.add_edge(source, 1 + index, k)
        for r in options:
            graph.add_edge(1 + index, 1 + nomination_count + r, 1)
    load_edges = [
        graph.add_edge(1 + nomination_count + r, sink, low) for r in range(reviewer_count)
    ]
    if graph.max_flow(source, sink) < low * reviewer_count:
        return None
    for edge in load_edges:
        graph.capacity[edge] += high - low
    if graph.flow + graph.max_flow(source, sink) < nomination_count * k:
        return None
    chosen: list[list[int]] = []
    for index in range(nomination_count):
        chosen.append(
            [
                graph.head[edge] - 1 - nomination_count
                for edge in graph.edges_from[1 + index]
                if edge % 2 == 0 and graph.capacity[edge] == 0
            ]
        )
    return chosen


class _FlowGraph:
    """Dinic's maximum flow; edge ``e`` and its reverse ``e ^ 1`` are stored side by side."""

    def __init__(self, size: int) -> None:
        self.edges_from: list[list[int]] = [[] for _ in range(size)]
        self.head: list[int] = []
        self.capacity: list[int] = []
        self.flow = 0

    def add_edge(self, tail: int, head: int, capacity: int) -> int:
        edge = len(self.head)
        self.head += [head, tail]
        self.capacity += [capacity, 0]
        self.edges_from[tail].append(edge)
        self.edges_from[head].append(edge + 1)
        return edge

    def max_flow(self, source: int, sink: int) -> int:
        """Augments to a maximum flow; returns the amount added by this call."""
        added = 0
        while (level := self._levels(source, sink)) is not None:
            cursor = [0] * len(self.edges_from)
            while pushed := self._push(source, sink, level, cursor):
                added += pushed
        self.flow += added
        return added

    def _levels(self, source: int, sink: int) -> list[int] | None:
        level = [-1] * len(self.edges_from)
        level[source] = 0
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for edge in self.edges_from[node]:
                if self.capacity[edge] > 0 and level[self.head[edge]] < 0:
                    level[self.head[edge]] = level[node] + 1
                    queue.append(self.head[edge])
        return level if level[sink] >= 0 else None

    def _push(self, source: int, sink: int, level: list[int], cursor: list[int]) -> int:
        """One augmenting path of one unit along the level graph (iterative DFS), or 0."""
        path: list[int] = []
        node = source
        while node != sink:
            edges = self.edges_from[node]
            while cursor[node] < len(edges):
                edge = edges[cursor[node]]
                if self.capacity[edge] > 0 and level[self.head[edge]] == level[node] + 1:
                    break
                cursor[node] += 1
            else:
                if node == source:
                    return 0
                level[node] = -1  # dead end: never try it again in this phase
                node = self.head[path.pop() ^ 1]
                cursor[node] += 1
                continue
            path.append(edge)
            node = self.head[edge]
        for edge in path:
            self.capacity[edge] -= 1
            self.capacity[edge ^ 1] += 1
        return 1
