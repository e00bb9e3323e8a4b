"""Round set-up (categories, score sheet, panel, settings), ranking snapshots and their
offline check, confirmation rules, and the demo round from ``assess demo``."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner

from assess.cli.offline_ranking import rank_nominations_command
from assess.core.models import AuditEntry
from assess.nominations import exports, pages, ranking_runs, review_sheets, rounds
from assess.nominations.models import Nomination, NominationCategory, NominationRound, ReviewSheet
from tests.nomination_helpers import (
    close_window,
    nominate,
    nomination_demo_only,  # noqa: F401 (the ``demo`` fixture)
    open_round,
    review_form,
    user,
)


def _rows(prefix: str, rows: list[dict[str, object]]) -> dict[str, object]:
    data = {}
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is not None and value is not False:
                data[f"{prefix}-{i}-{key}"] = "y" if value is True else str(value)
    return data


def test_the_admin_edits_categories(app, db, as_user):
    round_ = open_round()
    nominate(round_, "r-410105", 0)
    admin = as_user("admin")
    categories = rounds.categories(round_)
    rows = [{"id": c.id, "name": c.name, "nominee_kind": c.nominee_kind} for c in categories]
    url = f"/nominations/rounds/{round_.id}/categories"

    used = dict(rows[0], remove=True)
    response = admin.post(url, data=_rows("rows", [used, *rows[1:]]), follow_redirects=True)
    assert "已有提名，不能删除" in response.text
    clash = dict(rows[1], name=rows[2]["name"])
    response = admin.post(
        url, data=_rows("rows", [rows[0], clash, *rows[2:]]), follow_redirects=True
    )
    assert "类别名称重复" in response.text

    renamed = dict(rows[6], name="先进学校（子女融入学校）")
    dropped = dict(rows[9], remove=True)
    added = {"id": "", "name": "先进企业工会", "nominee_kind": "unit"}
    response = admin.post(url, data=_rows("rows", [*rows[:6], renamed, *rows[7:9], dropped, added]))
    assert response.status_code == 302
    names = [c.name for c in rounds.categories(round_)]
    assert names[6] == "先进学校（子女融入学校）" and names[-1] == "先进企业工会"
    assert "优秀流动人口服务工作者" not in names and len(names) == 10
    assert (
        AuditEntry.select().where(AuditEntry.action == "nomination_round.categories").count() == 1
    )


def test_the_score_sheet_must_add_up_to_100_and_freezes_once_scoring_starts(app, db, as_user):
    round_ = open_round()
    admin = as_user("admin")
    criteria = rounds.criteria(round_)
    rows = [
        {"id": c.id, "name": c.name, "guidance": c.guidance, "weight": c.weight} for c in criteria
    ]
    url = f"/nominations/rounds/{round_.id}/criteria"
    short = [*rows[:-1], dict(rows[-1], weight=5)]
    assert (
        "合计应为 100，现为 95"
        in admin.post(url, data=_rows("rows", short), follow_redirects=True).text
    )
    three = [dict(rows[0], weight=50), dict(rows[1], weight=40), dict(rows[2], weight=10)]
    three += [dict(r, remove=True) for r in rows[3:]]
    assert admin.post(url, data=_rows("rows", three)).status_code == 302
    assert [c.weight for c in rounds.criteria(round_)] == [50, 40, 10]

    nominate(round_, "r-410102")
    close_window(round_)
    review_sheets.auto_assign(NominationRound.get_by_id(round_.id), user("admin"))
    sheet = rounds.round_sheets(round_).first()
    reviewer = as_user(sheet.reviewer.username)
    reviewer.post(
        f"/nominations/{sheet.nomination_id}/review",
        data=review_form(rounds.criteria(round_), Decimal(70), action="save"),
    )
    again = [dict(rows[0], weight=60), dict(rows[1], weight=30), dict(rows[2], weight=10)]
    response = admin.post(url, data=_rows("rows", again), follow_redirects=True)
    assert "评分细则不能再修改" in response.text
    assert [c.weight for c in rounds.criteria(round_)] == [50, 40, 10]


def test_settings_are_checked(app, db, as_user):
    admin = as_user("admin")
    today = rounds.today()
    base = {
        "year": "2032",
        "window_opens": today.isoformat(),
        "window_closes": (today + timedelta(days=9)).isoformat(),
        "top_n": "30",
        "reviewers_per_nomination": "5",
        "min_reviews": "6",
    }
    response = admin.post("/nominations/rounds/new", data=base, follow_redirects=True)
    assert "最少有效评审数" in response.text
    backwards = dict(base, min_reviews="5", window_closes=(today - timedelta(days=1)).isoformat())
    assert "不能晚于截止日期" in admin.post("/nominations/rounds/new", data=backwards).text
    assert not NominationRound.select().where(NominationRound.year == 2032).exists()


def test_an_assigned_round_cannot_reopen_nominations(app, db, demo):
    round_ = NominationRound.get(NominationRound.year == 2013)
    today = rounds.today()
    settings = rounds.RoundSettings(2013, round_.title, today - timedelta(days=3), today)
    with pytest.raises(rounds.NominationError, match="今天之前"):
        rounds.update_round(round_, settings, user("admin"))
    settings = rounds.RoundSettings(
        2013, round_.title, round_.window_opens, round_.window_closes, reviewers_per_nomination=6
    )
    with pytest.raises(rounds.NominationError, match="评审人数"):
        rounds.update_round(round_, settings, user("admin"))
    settings = rounds.RoundSettings(
        2013, "", round_.window_opens, round_.window_closes, top_n=20, normalise=True
    )
    rounds.update_round(round_, settings, user("admin"))
    assert NominationRound.get_by_id(round_.id).top_n == 20
    assert NominationRound.get_by_id(round_.id).title.startswith("2013年度")


def test_the_panel_is_chosen_from_active_inspectors(app, db, as_user):
    round_ = open_round()
    admin = as_user("admin")
    url = f"/nominations/rounds/{round_.id}/panel"
    keep = [user(name).id for name in ("expert1", "expert4", "expert5", "expert7", "inspector")]
    assert admin.post(url, data={"reviewers": keep}).status_code == 302
    assert sorted(u.id for u in rounds.panel(round_)) == sorted(keep)
    response = admin.post(
        url, data={"reviewers": [*keep, user("viewer").id]}, follow_redirects=True
    )
    assert sorted(u.id for u in rounds.panel(round_)) == sorted(keep)
    assert response.status_code == 200

    nominate(round_, "r-410102")
    close_window(round_)
    review_sheets.auto_assign(NominationRound.get_by_id(round_.id), user("admin"))
    response = admin.post(url, data={"reviewers": keep[:4]}, follow_redirects=True)
    assert "已分配评分表" in response.text
    assert len(rounds.panel(round_)) == 5


def _small_round(reviews: dict[str, list[int]], **settings) -> NominationRound:
    """A closed round whose nominations carry the given totals from their reviewers."""
    round_ = open_round(**settings)
    codes = ["410102", "410104", "410106", "410108", "410122", "410181"]
    for code, name in zip(codes, reviews, strict=False):
        nominate(round_, f"r-{code}", 0, name)
    close_window(round_)
    round_ = NominationRound.get_by_id(round_.id)
    review_sheets.auto_assign(round_, user("admin"))
    criteria = rounds.criteria(round_)
    for nomination in Nomination.select().where(Nomination.round == round_):
        sheets = list(nomination.sheets.order_by(ReviewSheet.id))
        for sheet, total in zip(sheets, reviews[nomination.nominee_name], strict=False):
            entries = {
                int(k.split("_")[1]): (Decimal(v), "评语")
                for k, v in review_form(criteria, Decimal(total)).items()
                if k.startswith("points_")
            }
            review_sheets.save_review(sheet, entries, True, sheet.reviewer)
    return round_


def test_a_run_is_a_snapshot_that_checks_out_offline(app, db, demo, tmp_path):
    round_ = _small_round(
        {
            "甲": [90, 80, 70, 95, 60],
            "乙": [88, 86, 84, 82, 99],
            "丙": [70, 71],
            "丁": [99, 98, 97, 96, 95],
        },
        normalise=True,
        top_n=2,
    )
    run = ranking_runs.run_ranking(round_, user("admin"))
    assert json.loads(run.params) == {
        "top": 2,
        "cap_per_category": None,
        "min_reviews": 5,
        "normalise": True,
        "disagreement_points": "20",
        "excellent_at": "90",
    }
    stored = json.loads(run.results)
    path = tmp_path / "REVIEWS.csv"
    path.write_text(exports.reviews_csv(run), encoding="utf-8")
    result = CliRunner().invoke(
        rank_nominations_command,
        ["--reviews", str(path), "--top", "2", "--normalise", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    offline = json.loads(result.output)["nominees"]
    assert [n["nomination"] for n in offline] == [r["nomination"] for r in stored]
    assert [n["rank"] for n in offline] == [r["rank"] for r in stored]
    assert [n["selected"] for n in offline] == [r["selected"] for r in stored]
    names = {str(n.id): n.nominee_name for n in Nomination.select()}
    by_name = {names[r["nomination"]]: r for r in stored}
    assert by_name["丙"]["flags"] == ["not-rankable"] and by_name["丙"]["rank"] is None
    assert "disagreement" in by_name["甲"]["flags"]  # 95 − 60 > 20
    assert by_name["甲"]["raw_score"] == "80.00"  # (90 + 80 + 70) / 3
    assert by_name["丁"]["rank"] == 1 and by_name["丁"]["selected"] is True
    # The record shows each reviewer's normalised total beside the raw one.
    record = pages.review_record(Nomination.get(Nomination.nominee_name == "甲"))
    assert record.line.raw_score == Decimal("80.00")
    assert all(s.normalised is not None for s in record.sheets)


def test_confirmation_needs_the_latest_run_and_no_later_review(app, db, demo):
    round_ = _small_round(
        {"甲": [90, 91, 92, 93, 94], "乙": [80, 81, 82, 83, 84], "丙": [70, 71]}, top_n=1
    )
    admin = user("admin")
    first = ranking_runs.run_ranking(round_, admin)
    second = ranking_runs.run_ranking(round_, admin)
    with pytest.raises(rounds.NominationError, match="不是最新的排名"):
        ranking_runs.confirm_run(first, admin)
    # A review submitted after the run: rank again before confirming.
    pending = (
        rounds.round_sheets(round_)
        .where(ReviewSheet.status == "assigned")
        .order_by(ReviewSheet.id)
        .first()
    )
    criteria = rounds.criteria(round_)
    entries = {c.id: (Decimal(c.weight) / 2, "补评") for c in criteria}
    review_sheets.save_review(pending, entries, True, pending.reviewer)
    with pytest.raises(rounds.NominationError, match="重新排名"):
        ranking_runs.confirm_run(second, admin)
    third = ranking_runs.run_ranking(round_, admin)
    with pytest.raises(rounds.NominationError, match="只有并列"):
        ranking_runs.record_decision(
            third, Nomination.get(Nomination.nominee_name == "甲").id, True, "x", admin
        )
    ranking_runs.confirm_run(third, admin)
    award = pages.award_list(round_)
    assert [a.nomination.nominee_name for _c, awardees in award.categories for a in awardees] == [
        "甲"
    ]
    with pytest.raises(rounds.NominationError, match="已确认"):
        ranking_runs.run_ranking(round_, admin)
    leftover = rounds.round_sheets(round_).where(ReviewSheet.status == "assigned").first()
    with pytest.raises(rounds.NominationError, match="已确认"):
        review_sheets.save_review(leftover, entries, True, leftover.reviewer)


def test_the_demo_round_can_be_ranked_settled_and_confirmed(app, db, demo):
    round_ = NominationRound.get(NominationRound.year == 2013)
    assert Nomination.select().where(Nomination.round == round_).count() == 47
    assert NominationCategory.select().where(NominationCategory.round == round_).count() == 10
    assert len(rounds.panel(round_)) == 8
    sheets = rounds.round_sheets(round_)
    assert sheets.count() == 235 and sheets.where(ReviewSheet.status == "submitted").count() == 229
    for sheet in sheets:  # nobody reviews its own unit's nomination
        assert sheet.reviewer.unit_id != sheet.nomination.unit_id
    admin = user("admin")
    run = ranking_runs.run_ranking(round_, admin)
    undecided = [r for r in ranking_runs.run_results(run) if r.selected is None]
    assert len(undecided) == 2
    ranking_runs.record_decision(run, int(undecided[0].nomination), True, "评审会表决 5:3", admin)
    ranking_runs.record_decision(run, int(undecided[1].nomination), False, "评审会表决 3:5", admin)
    ranking_runs.confirm_run(run, admin)
    award = pages.award_list(round_)
    assert award.count == 30
    assert award.title == "2013年度郑州市培育十类典型促进流动人口社会融合先进集体和先进个人表彰名单"
