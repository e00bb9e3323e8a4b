"""Hand-worked cases for the nomination ranking of SPEC §5 (scoring.nomination_ranking).

Every expected figure is worked out in the comment beside it, from the totals in the test,
so a reader can check the rule without running the code.
"""

import json
from decimal import Decimal as D

import pytest

from scoring.nomination_ranking import RankedNominee, RankingParams, rank_nominations
from scoring.nomination_totals import Review, normalised_totals, round_half_up, weighted_total
from scoring.reviews_file import nominee_to_dict

pytestmark = pytest.mark.pure


def reviews_for(nomination, totals, category="先进社区"):
    """One review per total, each by a different reviewer R1, R2, …"""
    return [
        Review(nomination, category, f"R{i}", D(str(total))) for i, total in enumerate(totals, 1)
    ]


def one(nomination, category, total):
    """A nominee with a single review: with min_reviews=1 its score, median are the total."""
    return reviews_for(nomination, [total], category)


def by_id(result):
    return {n.nomination: n for n in result}


def selection(result):
    return {n.nomination: n.selected for n in result}


# --- the score: trimmed mean -------------------------------------------------------------


def test_four_reviews_take_the_plain_mean():
    # 80 + 85 + 90 + 95 = 350; 350 / 4 = 87.50. Median of 4: (85 + 90) / 2 = 87.50.
    [nominee] = rank_nominations(reviews_for("N1", [80, 85, 90, 95]), RankingParams(min_reviews=4))
    assert nominee.score == nominee.raw_score == D("87.50")
    assert nominee.median == D("87.50")
    assert nominee.reviews == 4


def test_five_reviews_drop_one_highest_and_one_lowest():
    # Drop 60 and 100: (85 + 90 + 95) / 3 = 270 / 3 = 90.00 (the plain mean would be 86.00).
    [nominee] = rank_nominations(reviews_for("N1", [60, 85, 90, 95, 100]), RankingParams())
    assert nominee.score == nominee.raw_score == D("90.00")
    assert nominee.median == D("90.00")
    assert nominee.totals == (D(60), D(85), D(90), D(95), D(100))


def test_only_one_of_equal_extremes_is_dropped():
    # 70, 70, 80, 90, 90: drop one 70 and one 90 → (70 + 80 + 90) / 3 = 80.00.
    [nominee] = rank_nominations(reviews_for("N1", [70, 70, 80, 90, 90]), RankingParams())
    assert nominee.score == D("80.00")


def test_seven_reviews_still_drop_only_one_at_each_end():
    # 50, 70, 75, 80, 85, 90, 99: drop 50 and 99 → (70 + 75 + 80 + 85 + 90) / 5 = 400 / 5 = 80.00.
    # Median of 7 is the 4th: 80.
    [nominee] = rank_nominations(reviews_for("N1", [50, 70, 75, 80, 85, 90, 99]), RankingParams())
    assert nominee.score == D("80.00")
    assert nominee.median == D("80.00")


# --- the minimum number of reviews -------------------------------------------------------


def test_fewer_reviews_than_the_minimum_is_not_rankable_and_listed_last():
    reviews = reviews_for("A", [98, 97, 96, 95]) + reviews_for("B", [70, 71, 72, 73, 74])
    result = rank_nominations(reviews, RankingParams())  # min_reviews = 5
    assert [n.nomination for n in result] == ["B", "A"]
    b, a = result
    # B: drop 70 and 74 → (71 + 72 + 73) / 3 = 72.00, rank 1, selected.
    assert (b.score, b.rank, b.selected, b.flags) == (D("72.00"), 1, True, ())
    # A has better totals but only 4 reviews: no score, no rank, not selected.
    assert a == RankedNominee(
        nomination="A",
        category="先进社区",
        score=None,
        raw_score=None,
        median=None,
        reviews=4,
        rank=None,
        selected=False,
        flags=("not-rankable",),
        totals=(D(95), D(96), D(97), D(98)),
    )
    assert nominee_to_dict(a) == {
        "nomination": "A",
        "category": "先进社区",
        "score": None,
        "raw_score": None,
        "median": None,
        "reviews": 4,
        "rank": None,
        "selected": False,
        "flags": ["not-rankable"],
    }


def test_a_lower_minimum_ranks_three_reviews_with_the_plain_mean():
    reviews = reviews_for("A", [80, 90, 94]) + reviews_for("B", [99, 99])
    result = by_id(rank_nominations(reviews, RankingParams(min_reviews=3)))
    # A: (80 + 90 + 94) / 3 = 264 / 3 = 88.00; B has 2 < 3 reviews.
    assert (result["A"].score, result["A"].rank) == (D("88.00"), 1)
    assert result["B"].flags == ("not-rankable",)


def test_nominations_without_any_review_are_listed_as_not_rankable():
    reviews = reviews_for("A", [80, 80, 80, 80, 80])
    result = rank_nominations(
        reviews, RankingParams(), nominations={"A": "先进社区", "Z": "先进学校"}
    )
    assert [(n.nomination, n.reviews, n.rank, n.selected, n.flags) for n in result] == [
        ("A", 5, 1, True, ()),
        ("Z", 0, None, False, ("not-rankable",)),
    ]


# --- normalisation -----------------------------------------------------------------------
#
# Five nominations, four reviewers, 17 reviews (the same data as tests/data/reviews_normalise.csv):
#
#        A    B    C    D
#   N1   92   55   70   90
#   N2   80   79   70   70
#   N3   88   71   70
#   N4   84   63   70
#   N5   86   67   70
#
# All 17: sum 430 + 335 + 350 + 160 = 1275, μ_all = 75. Squared deviations from 75:
#   A 17² 5² 13² 9² 11² = 685; B 20² 4² 4² 12² 8² = 640; C 5 × 5² = 125; D 15² + 5² = 250;
#   1700 / 17 = 100, σ_all = 10.
# A: μ = 430/5 = 86, deviations 6 −6 2 −2 0 → σ² = 80/5 = 16, σ = 4 → A' = 75 + 10/4 (T − 86)
#    N1 92→90, N2 80→60, N3 88→80, N4 84→70, N5 86→75.
# B: μ = 335/5 = 67, deviations −12 12 4 −4 0 → σ² = 320/5 = 64, σ = 8 → B' = 75 + 10/8 (T − 67)
#    N1 55→60, N2 79→90, N3 71→80, N4 63→70, N5 67→75.
# C: five reviews but σ = 0 → raw. D: only two reviews → raw.

NORMALISE_TABLE = {
    "N1": {"A": 92, "B": 55, "C": 70, "D": 90},
    "N2": {"A": 80, "B": 79, "C": 70, "D": 70},
    "N3": {"A": 88, "B": 71, "C": 70},
    "N4": {"A": 84, "B": 63, "C": 70},
    "N5": {"A": 86, "B": 67, "C": 70},
}


def normalise_reviews():
    return [
        Review(nomination, "先进社区", reviewer, D(total))
        for nomination, row in NORMALISE_TABLE.items()
        for reviewer, total in row.items()
    ]


def test_normalised_totals_rescale_only_reviewers_with_five_reviews_and_spread():
    totals = normalised_totals(normalise_reviews())
    assert {n: totals[(n, "A")] for n in NORMALISE_TABLE} == {
        "N1": D(90),
        "N2": D(60),
        "N3": D(80),
        "N4": D(70),
        "N5": D(75),
    }
    assert {n: totals[(n, "B")] for n in NORMALISE_TABLE} == {
        "N1": D(60),
        "N2": D(90),
        "N3": D(80),
        "N4": D(70),
        "N5": D(75),
    }
    assert {totals[(n, "C")] for n in NORMALISE_TABLE} == {D(70)}  # σ = 0: kept raw
    assert (totals[("N1", "D")], totals[("N2", "D")]) == (D(90), D(70))  # 2 reviews: kept raw


def test_normalised_score_beside_raw_score():
    result = rank_nominations(normalise_reviews(), RankingParams(min_reviews=3, normalise=True))
    # Fewer than 5 reviews each, so plain means:
    #   N1 raw (92+55+70+90)/4 = 307/4 = 76.75   normalised (90+60+70+90)/4 = 310/4 = 77.50
    #   N2 raw (80+79+70+70)/4 = 299/4 = 74.75   normalised (60+90+70+70)/4 = 290/4 = 72.50
    #   N3 raw (88+71+70)/3 = 229/3 = 76.33      normalised (80+80+70)/3 = 230/3 = 76.67
    #   N4 raw (84+63+70)/3 = 217/3 = 72.33      normalised (70+70+70)/3 = 70.00
    #   N5 raw (86+67+70)/3 = 223/3 = 74.33      normalised (75+75+70)/3 = 220/3 = 73.33
    # Medians over the normalised totals: N1 (70+90)/2 = 80, N2 (70+70)/2 = 70, N3 80, N4 70, N5 75.
    assert [(n.nomination, n.score, n.raw_score, n.median, n.rank) for n in result] == [
        ("N1", D("77.50"), D("76.75"), D("80.00"), 1),
        ("N3", D("76.67"), D("76.33"), D("80.00"), 2),
        ("N5", D("73.33"), D("74.33"), D("75.00"), 3),
        ("N2", D("72.50"), D("74.75"), D("70.00"), 4),
        ("N4", D("70.00"), D("72.33"), D("70.00"), 5),
    ]
    assert by_id(result)["N1"].totals == (D(60), D(70), D(90), D(90))


def test_without_normalisation_the_raw_order_stands():
    result = rank_nominations(normalise_reviews(), RankingParams(min_reviews=3))
    # Raw scores from the test above: N1 76.75, N3 76.33, N2 74.75, N5 74.33, N4 72.33,
    # so N2 and N5 swap places compared with the normalised order.
    assert [(n.nomination, n.score) for n in result] == [
        ("N1", D("76.75")),
        ("N3", D("76.33")),
        ("N2", D("74.75")),
        ("N5", D("74.33")),
        ("N4", D("72.33")),
    ]
    assert all(n.score == n.raw_score for n in result)


def test_disagreement_is_judged_on_raw_totals_even_when_normalising():
    result = by_id(
        rank_nominations(normalise_reviews(), RankingParams(min_reviews=3, normalise=True))
    )
    # N1 raw 92 − 55 = 37 > 20: flagged (normalised 90 − 60 = 30 too).
    assert "disagreement" in result["N1"].flags
    # N2 raw 80 − 70 = 10: not flagged, although its normalised totals span 90 − 60 = 30.
    assert "disagreement" not in result["N2"].flags
    # N4 raw 84 − 63 = 21 > 20: flagged, although its normalised totals are all 70.
    assert "disagreement" in result["N4"].flags
    # N3 raw 88 − 70 = 18 and N5 86 − 67 = 19: not flagged.
    assert result["N3"].flags == result["N5"].flags == ()


def test_normalisation_with_every_total_equal_changes_nothing():
    reviews = [Review(f"N{i}", "先进社区", f"R{j}", D(80)) for i in range(5) for j in range(5)]
    # σ_r = 0 for every reviewer: all kept raw, each score 80.00, all tied at rank 1.
    result = rank_nominations(reviews, RankingParams(normalise=True))
    assert {(n.score, n.raw_score, n.rank) for n in result} == {(D("80.00"), D("80.00"), 1)}


# --- disagreement ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("totals", "flagged"),
    [
        ([70, 80, 85, 88, 90], False),  # 90 − 70 = 20: not more than 20
        ([69.99, 80, 85, 88, 90], True),  # 90 − 69.99 = 20.01 > 20
        ([60, 85, 90, 92], True),  # 32, flagged on a not-rankable nominee too
    ],
)
def test_disagreement_flag_when_max_minus_min_exceeds_20(totals, flagged):
    [nominee] = rank_nominations(reviews_for("N1", totals), RankingParams())
    assert ("disagreement" in nominee.flags) is flagged


# --- the tie chain -----------------------------------------------------------------------


def test_equal_scores_are_ordered_by_the_higher_median():
    reviews = reviews_for("X", [72, 78, 80, 82, 90]) + reviews_for("Y", [75, 76, 82, 82, 95])
    # X: drop 72, 90 → (78 + 80 + 82) / 3 = 80.00, median 80, one total ≥ 90.
    # Y: drop 75, 95 → (76 + 82 + 82) / 3 = 80.00, median 82, one total ≥ 90.
    result = rank_nominations(reviews, RankingParams())
    assert [(n.nomination, n.score, n.median, n.rank, n.flags) for n in result] == [
        ("Y", D("80.00"), D("82.00"), 1, ()),
        ("X", D("80.00"), D("80.00"), 2, ()),
    ]


def test_equal_score_and_median_are_ordered_by_more_totals_of_90_or_above():
    reviews = reviews_for("Q", [78, 79, 80, 81, 89.99]) + reviews_for("P", [78, 79, 80, 81, 90])
    # Both: drop 78 and the top → (79 + 80 + 81) / 3 = 80.00, median 80.
    # P has one total ≥ 90 (the 90 it drops from its mean still counts), Q none (89.99 < 90).
    result = rank_nominations(reviews, RankingParams())
    assert [(n.nomination, n.score, n.median, n.rank, n.flags) for n in result] == [
        ("P", D("80.00"), D("80.00"), 1, ()),
        ("Q", D("80.00"), D("80.00"), 2, ()),
    ]


def test_still_equal_after_the_chain_share_a_rank_and_are_flagged():
    reviews = (
        reviews_for("T", [77, 79, 80, 81, 82])
        + reviews_for("S", [78, 79, 80, 81, 85])
        + reviews_for("U", [70, 70, 70, 70, 70])
    )
    # S: drop 78, 85 → 80.00; T: drop 77, 82 → 80.00; both median 80, no total ≥ 90.
    # U: 70.00, third in line, so competition rank 3 (1, 1, 3).
    result = rank_nominations(reviews, RankingParams())
    assert [(n.nomination, n.rank, n.flags) for n in result] == [
        ("S", 1, ("tie",)),  # S before T only for listing; the rank is shared
        ("T", 1, ("tie",)),
        ("U", 3, ()),
    ]
    assert [n.selected for n in result] == [True, True, True]


def test_scores_are_compared_at_two_decimals():
    reviews = reviews_for("A", [80, 80, 80.01]) + reviews_for("B", [80, 80, 80])
    # A: 240.01 / 3 = 80.00333… → 80.00; B: 80.00. Equal at 2 decimals, and both medians 80:
    # the hidden 0.0033 does not break the tie.
    result = rank_nominations(reviews, RankingParams(min_reviews=3))
    assert [(n.nomination, n.score, n.rank, n.flags) for n in result] == [
        ("A", D("80.00"), 1, ("tie",)),
        ("B", D("80.00"), 1, ("tie",)),
    ]


# --- rounding ----------------------------------------------------------------------------


def test_half_a_cent_rounds_up():
    # 80.00 + 80.01 + 80.00 + 80.01 = 320.02; / 4 = 80.005 → 80.01 (half-even would give 80.00).
    # Median (80.00 + 80.01) / 2 = 80.005 → 80.01.
    [nominee] = rank_nominations(
        reviews_for("N1", ["80.00", "80.01", "80.00", "80.01"]), RankingParams(min_reviews=4)
    )
    assert (nominee.score, nominee.median) == (D("80.01"), D("80.01"))
    assert nominee_to_dict(nominee)["score"] == 80.01


@pytest.mark.parametrize(
    ("totals", "expected"),
    [
        (["80", "80", "80.01"], "80.00"),  # 240.01 / 3 = 80.00333…
        (["80", "80.01", "80.01"], "80.01"),  # 240.02 / 3 = 80.00666…
        (["85", "85.01"], "85.01"),  # 170.01 / 2 = 85.005 exactly
        (["2.67", "2.68"], "2.68"),  # 5.35 / 2 = 2.675, which a binary float would round down
    ],
)
def test_mean_rounding(totals, expected):
    [nominee] = rank_nominations(reviews_for("N1", totals), RankingParams(min_reviews=1))
    assert nominee.score == D(expected)


def test_round_half_up_goes_away_from_zero():
    assert round_half_up(D("-0.005")) == D("-0.01")
    assert round_half_up(D("0.004999")) == D("0.00")


# --- top N, caps and the cut line (one review each, min_reviews=1: score = the total) ----


def test_top_n_selects_the_first_n():
    reviews = [r for i, t in enumerate([95, 90, 85, 80, 75], 1) for r in one(f"N{i}", "甲", t)]
    result = rank_nominations(reviews, RankingParams(top=3, min_reviews=1))
    assert selection(result) == {"N1": True, "N2": True, "N3": True, "N4": False, "N5": False}


def test_fewer_rankable_than_places_selects_them_all():
    reviews = one("N1", "甲", 60) + one("N2", "乙", 50)
    assert selection(rank_nominations(reviews, RankingParams(min_reviews=1))) == {
        "N1": True,
        "N2": True,
    }


def test_a_category_at_its_cap_is_skipped_and_the_next_takes_the_place():
    reviews = (
        one("a1", "甲", 95)
        + one("a2", "甲", 94)
        + one("a3", "甲", 93)
        + one("b1", "乙", 92)
        + one("c1", "丙", 91)
        + one("c2", "丙", 90)
    )
    result = rank_nominations(reviews, RankingParams(top=4, cap_per_category=2, min_reviews=1))
    # a1, a2 fill 甲's cap of 2; a3 is skipped; b1 and c1 take places 3 and 4; c2 is past N.
    assert selection(result) == {
        "a1": True,
        "a2": True,
        "a3": False,
        "b1": True,
        "c1": True,
        "c2": False,
    }
    # The cap changes who is selected, never the rank.
    assert [n.rank for n in result] == [1, 2, 3, 4, 5, 6]


def test_a_tie_across_the_cut_line_is_left_to_the_panel():
    reviews = (
        one("N1", "甲", 95)
        + one("N2", "甲", 90)
        + one("N3", "甲", 88)
        + one("N4", "甲", 88)
        + one("N5", "甲", 80)
    )
    result = by_id(rank_nominations(reviews, RankingParams(top=3, min_reviews=1)))
    # One place left for the two tied at 88: neither is chosen by the engine.
    assert selection(result.values()) == {
        "N1": True,
        "N2": True,
        "N3": None,
        "N4": None,
        "N5": False,
    }
    assert result["N3"].flags == result["N4"].flags == ("tie", "cut-line-tie")
    assert nominee_to_dict(result["N3"])["selected"] is None


def test_a_tie_that_fits_above_the_cut_line_is_selected():
    reviews = one("N1", "甲", 95) + one("N2", "甲", 88) + one("N3", "甲", 88) + one("N4", "甲", 80)
    result = by_id(rank_nominations(reviews, RankingParams(top=3, min_reviews=1)))
    assert selection(result.values()) == {"N1": True, "N2": True, "N3": True, "N4": False}
    assert result["N2"].flags == ("tie",)


def test_a_tie_larger_than_all_places_leaves_every_member_undecided():
    reviews = one("N1", "甲", 90) + one("N2", "乙", 90) + one("N3", "丙", 90)
    result = rank_nominations(reviews, RankingParams(top=2, min_reviews=1))
    assert {n.selected for n in result} == {None}
    assert {n.flags for n in result} == {("tie", "cut-line-tie")}


def test_a_tie_across_a_category_cap_is_left_to_the_panel_and_takes_one_place():
    reviews = (
        one("a1", "甲", 95)
        + one("a2", "甲", 90)
        + one("a3", "甲", 90)
        + one("b1", "乙", 85)
        + one("c1", "丙", 80)
        + one("d1", "丁", 79)
    )
    result = by_id(
        rank_nominations(reviews, RankingParams(top=4, cap_per_category=2, min_reviews=1))
    )
    # a1 takes 甲's first place. a2 and a3 tie for 甲's one remaining place: the panel picks
    # one of them, so the pair takes exactly one of the 4 places (2 used). b1 and c1 take the
    # last two; d1 is out.
    assert selection(result.values()) == {
        "a1": True,
        "a2": None,
        "a3": None,
        "b1": True,
        "c1": True,
        "d1": False,
    }
    assert result["a2"].flags == ("tie", "cut-line-tie")


def test_the_cap_can_resolve_a_tie_at_the_cut_line():
    reviews = (
        one("a1", "甲", 95)
        + one("a2", "甲", 94)
        + one("a3", "甲", 90)
        + one("b1", "乙", 90)
        + one("c1", "丙", 90)
    )
    result = by_id(
        rank_nominations(reviews, RankingParams(top=4, cap_per_category=2, min_reviews=1))
    )
    # a1, a2 fill 甲; of the three tied at 90, a3 is skipped by the cap, leaving b1 and c1
    # for the 2 places left: they fit, so no cut-line tie.
    assert selection(result.values()) == {
        "a1": True,
        "a2": True,
        "a3": False,
        "b1": True,
        "c1": True,
    }
    assert result["b1"].flags == result["a3"].flags == ("tie",)


def test_a_tie_across_the_cut_line_with_a_cap():
    reviews = (
        one("a1", "甲", 95)
        + one("a2", "甲", 94)
        + one("a3", "甲", 90)
        + one("b1", "乙", 90)
        + one("c1", "丙", 90)
    )
    result = by_id(
        rank_nominations(reviews, RankingParams(top=3, cap_per_category=2, min_reviews=1))
    )
    # As above but one place left: a3 is out by the cap; b1 and c1 tie for the last place.
    assert selection(result.values()) == {
        "a1": True,
        "a2": True,
        "a3": False,
        "b1": None,
        "c1": None,
    }
    assert result["a3"].flags == ("tie",)
    assert result["b1"].flags == result["c1"].flags == ("tie", "cut-line-tie")


# --- input order and consistency ---------------------------------------------------------


def test_the_result_does_not_depend_on_the_order_of_the_reviews():
    reviews = normalise_reviews()
    params = RankingParams(min_reviews=3, normalise=True, top=2)
    assert rank_nominations(reviews, params) == rank_nominations(reversed(reviews), params)


def test_the_same_reviewer_twice_on_a_nomination_is_refused():
    reviews = reviews_for("N1", [80, 90]) + [Review("N1", "先进社区", "R1", D(70))]
    with pytest.raises(ValueError, match="twice"):
        rank_nominations(reviews, RankingParams())


def test_a_nomination_under_two_categories_is_refused():
    reviews = reviews_for("N1", [80]) + [Review("N1", "先进学校", "R9", D(70))]
    with pytest.raises(ValueError, match="two categories"):
        rank_nominations(reviews, RankingParams())


@pytest.mark.parametrize("total", [D("-0.01"), D("100.01"), D("NaN")])
def test_a_review_total_must_lie_in_0_to_100(total):
    with pytest.raises((ValueError, TypeError)):
        Review("N1", "先进社区", "R1", total)


@pytest.mark.parametrize("params", [{"top": 0}, {"cap_per_category": 0}, {"min_reviews": 0}])
def test_ranking_params_refuse_nonsense(params):
    with pytest.raises(ValueError):
        RankingParams(**params)


# --- the JSON shape ----------------------------------------------------------------------


def test_nominee_to_dict_is_the_spec_shape():
    # Drop 85 and 96 → (88 + 90 + 92) / 3 = 90.00; median 90; 96 − 85 = 11, no flag.
    [nominee] = rank_nominations(reviews_for("N7", [85, 88, 90, 92, 96]), RankingParams())
    assert json.dumps(nominee_to_dict(nominee), ensure_ascii=False) == (
        '{"nomination": "N7", "category": "先进社区", "score": 90.0, "raw_score": 90.0, '
        '"median": 90.0, "reviews": 5, "rank": 1, "selected": true, "flags": []}'
    )


# --- a reviewer's total from the score sheet ----------------------------------------------

SHEET = {"事迹": 30, "成效": 40, "创新": 20, "材料": 10}


def test_weighted_total_adds_the_points_of_each_criterion():
    # Each criterion is scored from 0 to its weight: 27 + 35.5 + 18 + 9.25 = 89.75.
    scores = {"事迹": D(27), "成效": D("35.5"), "创新": D(18), "材料": D("9.25")}
    assert weighted_total(scores, SHEET) == D("89.75")
    assert weighted_total(dict(SHEET), SHEET) == D("100.00")


@pytest.mark.parametrize(
    ("scores", "weights"),
    [
        ({"事迹": 31, "成效": 40, "创新": 20, "材料": 10}, SHEET),  # 31 > 30
        ({"事迹": -1, "成效": 40, "创新": 20, "材料": 10}, SHEET),
        ({"事迹": 30, "成效": 40, "创新": 20}, SHEET),  # 材料 missing
        ({"事迹": 30, "成效": 40, "创新": 20, "材料": 10, "其他": 1}, SHEET),
        ({"事迹": 30, "成效": 40}, {"事迹": 30, "成效": 40}),  # weights sum to 70
        ({"事迹": 0, "成效": 0}, {"事迹": 110, "成效": -10}),
    ],
)
def test_weighted_total_refuses_a_bad_sheet(scores, weights):
    with pytest.raises(ValueError):
        weighted_total(scores, weights)
