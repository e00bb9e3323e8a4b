"""Balanced reviewer assignment with conflicts of interest (scoring.assignment)."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.assignment import (
    AssignmentError,
    Nomination,
    Reviewer,
    assign_reviewers,
    check_assignment,
)

pytestmark = pytest.mark.pure

# 12 nominations from 4 units; 7 reviewers from 5 units, two of them sharing nominating units.
NOMINATIONS = [Nomination(f"N{i:02d}", f"U{i % 4}") for i in range(1, 13)]
REVIEWERS = [Reviewer(f"R{i}", f"U{i % 5}") for i in range(1, 8)]


def loads(assignment):
    return Counter(r for chosen in assignment.values() for r in chosen)


def test_every_nomination_gets_k_distinct_reviewers_with_even_loads():
    assignment = assign_reviewers(NOMINATIONS, REVIEWERS, k=3)
    assert sorted(assignment) == [n.id for n in NOMINATIONS]
    assert all(len(set(chosen)) == 3 for chosen in assignment.values())
    # 12 × 3 = 36 reviews over 7 reviewers: five or six each (36 = 1 × 6 + 6 × 5).
    assert sorted(loads(assignment).values()) == [5, 5, 5, 5, 5, 5, 6]
    assert check_assignment(assignment, NOMINATIONS, REVIEWERS, k=3) == []


def test_no_reviewer_gets_a_nomination_of_its_own_unit_or_a_declared_conflict():
    conflicts = {("R2", "N01"), ("R2", "N05"), ("R6", "N03"), ("R7", "N10")}
    assignment = assign_reviewers(NOMINATIONS, REVIEWERS, k=3, conflicts=conflicts, seed=7)
    unit_of = {r.id: r.unit for r in REVIEWERS}
    for nomination in NOMINATIONS:
        for reviewer in assignment[nomination.id]:
            assert unit_of[reviewer] != nomination.unit
            assert (reviewer, nomination.id) not in conflicts
    counts = loads(assignment).values()
    assert max(counts) - min(counts) <= 1
    assert check_assignment(assignment, NOMINATIONS, REVIEWERS, k=3, conflicts=conflicts) == []


def test_the_same_seed_gives_the_same_assignment_whatever_the_input_order():
    first = assign_reviewers(NOMINATIONS, REVIEWERS, k=3, seed=42)
    again = assign_reviewers(reversed(NOMINATIONS), reversed(REVIEWERS), k=3, seed=42)
    assert first == again
    others = {
        tuple(sorted(assign_reviewers(NOMINATIONS, REVIEWERS, k=3, seed=s).items()))
        for s in range(5)
    }
    assert len(others) > 1  # the seed matters


def test_too_few_eligible_reviewers_is_a_clear_error():
    nominations = [Nomination("N1", "甲县"), Nomination("N2", "乙县")]
    reviewers = [Reviewer("R1", "甲县"), Reviewer("R2", "丙县"), Reviewer("R3", "丁县")]
    # N1: R1 is from the nominating unit, so only R2 and R3 remain for k = 3.
    with pytest.raises(AssignmentError) as raised:
        assign_reviewers(nominations, reviewers, k=3)
    message = str(raised.value)
    assert "N1（可回避后仅剩 2 人）" in message
    assert "N2（可回避后仅剩 3 人）" not in message
    assert "3 名" in message


def test_a_declared_conflict_can_make_it_impossible():
    nominations = [Nomination("N1", "甲县")]
    reviewers = [Reviewer("R1", "乙县"), Reviewer("R2", "丙县")]
    assert assign_reviewers(nominations, reviewers, k=2) == {"N1": ("R1", "R2")}
    with pytest.raises(AssignmentError, match="N1"):
        assign_reviewers(nominations, reviewers, k=2, conflicts=[("R2", "N1")])


def test_when_conflicts_forbid_perfect_balance_the_largest_load_is_kept_smallest():
    nominations = [Nomination(f"N{i}", f"U{i}") for i in range(1, 5)]
    reviewers = [Reviewer(f"R{i}", "评审组") for i in range(1, 5)]
    conflicts = [("R4", "N1"), ("R4", "N2"), ("R4", "N3")]
    assignment = assign_reviewers(nominations, reviewers, k=2, conflicts=conflicts)
    # 4 × 2 = 8 reviews; R4 may review only N4, so R1–R3 share the other 7: the best
    # possible largest load is 3 (7 over 3 reviewers), and loads 3, 2, 2 + R4's 1.
    counts = loads(assignment)
    assert counts["R4"] == 1
    assert sorted(counts.values()) == [1, 2, 2, 3]
    assert check_assignment(assignment, nominations, reviewers, k=2, conflicts=conflicts) == []


@pytest.mark.parametrize(
    ("nominations", "reviewers", "k"),
    [
        ([Nomination("N1", "甲")], [Reviewer("R1", "乙")], 0),
        ([Nomination("N1", "甲"), Nomination("N1", "乙")], [Reviewer("R1", "丙")], 1),
        ([Nomination("N1", "甲")], [Reviewer("R1", "乙"), Reviewer("R1", "丙")], 1),
    ],
)
def test_bad_arguments_are_refused(nominations, reviewers, k):
    with pytest.raises(AssignmentError):
        assign_reviewers(nominations, reviewers, k=k)


def test_no_nominations_need_no_reviewers():
    assert assign_reviewers([], REVIEWERS, k=5) == {}


def test_check_assignment_reports_each_broken_rule():
    nominations = [Nomination("N1", "甲县"), Nomination("N2", "乙县"), Nomination("N3", "丙县")]
    reviewers = [Reviewer("R1", "甲县"), Reviewer("R2", "丁县"), Reviewer("R3", "戊县")]
    hand_made = {"N1": ["R1", "R2"], "N2": ["R2", "R2", "R9"], "N4": ["R3"]}
    problems = check_assignment(
        hand_made, nominations, reviewers, k=2, conflicts=[("R3", "N3"), ("R2", "N2")]
    )
    assert problems == [
        "提名 N1：评审人 R1 来自提名单位",
        "提名 N2：评审人 R2 已声明回避",
        "提名 N2：评审人 R2 重复分配",
        "提名 N2：未知的评审人 R9",
        "未知的提名 N4",
        "提名 N3 尚未分配评审人",
    ]


def test_a_realistic_round_is_quick_and_balanced():
    # 60 nominations from 14 units, 23 panel members from 10 of those units, k = 5.
    nominations = [Nomination(f"N{i:03d}", f"U{i % 14}") for i in range(60)]
    reviewers = [Reviewer(f"R{i:02d}", f"U{i % 10}") for i in range(23)]
    assignment = assign_reviewers(nominations, reviewers, k=5, seed=2024)
    counts = loads(assignment).values()
    assert sum(counts) == 300 and max(counts) - min(counts) <= 1
    assert check_assignment(assignment, nominations, reviewers, k=5) == []


@st.composite
def panels(draw):
    units = [f"U{i}" for i in range(draw(st.integers(2, 6)))]
    nominations = [
        Nomination(f"N{i}", draw(st.sampled_from(units))) for i in range(draw(st.integers(1, 12)))
    ]
    reviewers = [
        Reviewer(f"R{i}", draw(st.sampled_from(units))) for i in range(draw(st.integers(1, 9)))
    ]
    pairs = [(r.id, n.id) for r in reviewers for n in nominations]
    conflicts = draw(st.lists(st.sampled_from(pairs), max_size=6)) if pairs else []
    return nominations, reviewers, conflicts, draw(st.integers(1, 4)), draw(st.integers(0, 3))


@settings(max_examples=150)
@given(panels())
def test_any_panel_gets_a_valid_assignment_or_a_clear_error(panel):
    nominations, reviewers, conflicts, k, seed = panel
    forbidden = set(conflicts)
    eligible = {
        n.id: [r for r in reviewers if r.unit != n.unit and (r.id, n.id) not in forbidden]
        for n in nominations
    }
    if any(len(options) < k for options in eligible.values()):
        with pytest.raises(AssignmentError):
            assign_reviewers(nominations, reviewers, k=k, conflicts=conflicts, seed=seed)
        return
    assignment = assign_reviewers(nominations, reviewers, k=k, conflicts=conflicts, seed=seed)
    assert check_assignment(assignment, nominations, reviewers, k=k, conflicts=conflicts) == []
    assert all(len(chosen) == k for chosen in assignment.values())
    if all(len(options) == len(reviewers) for options in eligible.values()):
        # No conflict at all: perfect balance is always possible and must be found.
        counts = [loads(assignment).get(r.id, 0) for r in reviewers]
        assert max(counts) - min(counts) <= 1
