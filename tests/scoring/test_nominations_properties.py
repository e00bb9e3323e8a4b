"""Properties of the nomination ranking that must hold for any round (hypothesis)."""

import itertools
import math
from collections import Counter
from decimal import Decimal as D

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring.nomination_ranking import RankingParams, rank_nominations
from scoring.nomination_totals import Review

pytestmark = pytest.mark.pure

CATEGORIES = ["先进社区", "先进学校", "优秀外来务工人员"]
REVIEWERS = [f"R{i}" for i in range(8)]

# Few distinct totals make ties, and ties across the cut line, common.
totals = st.one_of(
    st.sampled_from([D(80), D(85), D(90), D("87.5")]),
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
)


@st.composite
def rounds(draw):
    reviews = []
    for index in range(draw(st.integers(1, 14))):
        category = draw(st.sampled_from(CATEGORIES))
        for reviewer in draw(st.lists(st.sampled_from(REVIEWERS), min_size=1, unique=True)):
            reviews.append(Review(f"N{index}", category, reviewer, draw(totals)))
    return reviews


params_strategy = st.builds(
    RankingParams,
    top=st.integers(1, 8),
    cap_per_category=st.none() | st.integers(1, 3),
    min_reviews=st.integers(1, 6),
    normalise=st.booleans(),
)


@given(rounds(), params_strategy)
def test_every_nomination_is_listed_once_and_the_not_rankable_last(reviews, params):
    result = rank_nominations(reviews, params)
    assert sorted(n.nomination for n in result) == sorted({r.nomination for r in reviews})
    rankable = [n.rank is not None for n in result]
    assert rankable == sorted(rankable, reverse=True)
    for nominee in result:
        assert (nominee.rank is None) == ("not-rankable" in nominee.flags)
        assert (nominee.reviews < params.min_reviews) == ("not-rankable" in nominee.flags)
        if nominee.rank is None:
            assert nominee.selected is False
            assert nominee.score is nominee.raw_score is nominee.median is None


@given(rounds(), params_strategy)
def test_rank_order_is_consistent_with_score(reviews, params):
    ranked = [n for n in rank_nominations(reviews, params) if n.rank is not None]
    for nominee in ranked:
        # Competition ranks (1, 2, 2, 4): one more than the number of nominees ahead.
        assert nominee.rank == 1 + sum(1 for other in ranked if other.rank < nominee.rank)
    for first, second in zip(ranked, ranked[1:], strict=False):
        assert first.score >= second.score
        assert first.rank <= second.rank
        if first.rank == second.rank:
            assert (first.score, first.median) == (second.score, second.median)
            assert "tie" in first.flags and "tie" in second.flags
        else:
            assert (first.score, first.median) >= (second.score, second.median)


@given(rounds(), params_strategy)
def test_selection_respects_top_and_cap(reviews, params):
    result = rank_nominations(reviews, params)
    chosen = [n for n in result if n.selected is True]
    assert len(chosen) <= params.top
    if params.cap_per_category is not None:
        per_category = Counter(n.category for n in chosen)
        assert max(per_category.values(), default=0) <= params.cap_per_category
    for nominee in result:
        assert (nominee.selected is None) == ("cut-line-tie" in nominee.flags)
        if nominee.selected is None:
            assert "tie" in nominee.flags


@given(rounds(), params_strategy)
def test_a_lower_nominee_is_chosen_only_past_a_full_category(reviews, params):
    result = [n for n in rank_nominations(reviews, params) if n.rank is not None]
    chosen_or_pending = Counter(n.category for n in result if n.selected is not False)
    for passed_over in (n for n in result if n.selected is False):
        if any(n.selected is not False and n.rank > passed_over.rank for n in result):
            # Only the cap can pass over a nominee in favour of a lower one.
            assert params.cap_per_category is not None
            assert chosen_or_pending[passed_over.category] >= params.cap_per_category


@given(rounds(), params_strategy, st.randoms(use_true_random=False))
def test_the_order_of_the_input_does_not_matter(reviews, params, random):
    shuffled = list(reviews)
    random.shuffle(shuffled)
    assert rank_nominations(shuffled, params) == rank_nominations(reviews, params)


@settings(max_examples=50)
@given(rounds(), params_strategy)
def test_ids_never_break_a_tie(reviews, params):
    # Renaming the nominations (reversing their order by id) changes no rank or selection.
    count = len({r.nomination for r in reviews})
    rename = {f"N{i}": f"N{count - i}" for i in range(count)}
    renamed = [Review(rename[r.nomination], r.category, r.reviewer, r.total) for r in reviews]

    def outcome(result, names):
        return {
            names.get(n.nomination, n.nomination): (n.score, n.rank, n.selected, n.flags)
            for n in result
        }

    back = {new: old for old, new in rename.items()}
    assert outcome(rank_nominations(renamed, params), back) == outcome(
        rank_nominations(reviews, params), {}
    )


def greedy_selection(order, params):
    """The award list if the panel ranked the nominees strictly in ``order``."""
    chosen, taken = set(), Counter()
    for nominee in order:
        cap = params.cap_per_category
        if len(chosen) < params.top and (cap is None or taken[nominee.category] < cap):
            chosen.add(nominee.nomination)
            taken[nominee.category] += 1
    return chosen


@settings(max_examples=200)
@given(rounds(), params_strategy)
def test_selected_means_chosen_however_the_panel_breaks_the_ties(reviews, params):
    # The reference semantics of `selected`, by brute force: True when the nominee is on the
    # list under every order the panel could give the tied nominees, False under none, and
    # None (a cut-line tie) when the panel's vote decides it.
    result = [n for n in rank_nominations(reviews, params) if n.rank is not None]
    groups = [[n for n in result if n.rank == rank] for rank in sorted({n.rank for n in result})]
    orders = 1
    for group in groups:
        orders *= math.factorial(len(group))
    assume(orders <= 2000)
    outcomes = [
        greedy_selection([n for part in parts for n in part], params)
        for parts in itertools.product(*(itertools.permutations(g) for g in groups))
    ]
    for nominee in result:
        chosen_in = sum(nominee.nomination in outcome for outcome in outcomes)
        expected = {len(outcomes): True, 0: False}.get(chosen_in)
        assert nominee.selected is expected, nominee
