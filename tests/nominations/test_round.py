"""A whole ten-types-of-models round through the test client (十类典型评选全流程): set-up,
42 nominations from 21 units, assignment, 210 reviews, ranking runs kept as snapshots, the
panel's decision on a cut-line tie, confirmation and the award list (page, print, xlsx, PDF).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook

from assess.accounts.models import User
from assess.core.models import AuditEntry
from assess.nominations import rounds
from assess.nominations.models import Nomination, NominationRound, RankingRun, ReviewSheet
from assess.units.models import Unit
from tests.nomination_helpers import (
    PANEL,
    nomination_demo_only,  # noqa: F401 (the ``demo`` fixture)
    nomination_form,
    png_bytes,
    review_form,
)

NOMINATIONS = 42


def _reporters() -> list[str]:
    units = Unit.select().where(Unit.kind.in_(["county", "department"])).order_by(Unit.code)
    return [f"r-{u.code}" for u in units][:21]


def _total(index: int) -> Decimal:
    """Every reviewer gives nomination ``index`` (in filing order) the same total; the 30th
    and 31st are equal, so they tie across the cut line of 30."""
    if index == 30:
        index = 29
    return Decimal(95) - Decimal("0.5") * index


def _set_up(admin) -> NominationRound:
    today = rounds.today()
    response = admin.post(
        "/nominations/rounds/new",
        data={
            "year": "2031",
            "title": "",
            "window_opens": (today - timedelta(days=1)).isoformat(),
            "window_closes": (today + timedelta(days=10)).isoformat(),
            "top_n": "30",
            "cap_per_category": "",
            "reviewers_per_nomination": "5",
            "min_reviews": "5",
        },
    )
    assert response.status_code == 302, response.data.decode()[:2000]
    round_ = NominationRound.get(NominationRound.year == 2031)
    assert response.headers["Location"].endswith(f"/nominations/rounds/{round_.id}")
    assert [c.name for c in rounds.categories(round_)][:6] == [
        "先进县(市、区)",
        "先进乡(镇、办)",
        "先进用工单位",
        "先进服务管理机构",
        "先进培训机构",
        "优秀外来务工人员",
    ]
    assert len(rounds.categories(round_)) == 10
    assert sum(c.weight for c in rounds.criteria(round_)) == 100
    assert {u.username for u in rounds.panel(round_)} == set(PANEL)
    page = admin.get(f"/nominations/rounds/{round_.id}").data.decode()
    assert "提名中" in page and "先进医疗卫生计生机构" in page
    return round_


def _nominate(round_, as_user) -> dict[int, int]:
    """42 nominations through the form; returns nomination id → filing index."""
    clients, filed = {}, {}
    reporters = _reporters()
    for i in range(NOMINATIONS):
        username = reporters[i % len(reporters)]
        client = clients.setdefault(username, as_user(username))
        data = nomination_form(round_, i % 10, f"提名对象{i:02d}")
        if i == 0:
            data["files"] = [(io.BytesIO(png_bytes()), "现场照片.png")]
        response = client.post(
            f"/nominations/rounds/{round_.id}/nominations/new",
            data=data,
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.data.decode()[:2000]
        nomination = Nomination.get(Nomination.nominee_name == f"提名对象{i:02d}")
        assert nomination.unit.code == username[2:]
        filed[nomination.id] = i
    first = clients[reporters[0]]
    listing = first.get(f"/nominations/rounds/{round_.id}/nominations").data.decode()
    assert "提名对象00" in listing and "提名对象01" not in listing  # own unit only
    page = first.get(f"/nominations/{min(filed)}").data.decode()
    assert "现场照片.png" in page
    return filed


def _close_and_assign(round_, admin) -> None:
    response = admin.post(f"/nominations/rounds/{round_.id}/assign")
    assert "提名截止" in admin.get(response.headers["Location"]).data.decode()
    today = rounds.today()
    settings = {
        "year": "2031",
        "title": round_.title,
        "window_opens": (today - timedelta(days=10)).isoformat(),
        "window_closes": (today - timedelta(days=1)).isoformat(),
        "top_n": "30",
        "reviewers_per_nomination": "5",
        "min_reviews": "5",
    }
    assert admin.post(f"/nominations/rounds/{round_.id}/settings", data=settings).status_code == 302
    assert admin.post(f"/nominations/rounds/{round_.id}/assign").status_code == 302
    sheets = list(rounds.round_sheets(round_))
    assert len(sheets) == NOMINATIONS * 5
    per_nomination = Counter(s.nomination_id for s in sheets)
    assert set(per_nomination.values()) == {5}
    loads = Counter(s.reviewer_id for s in sheets)
    assert max(loads.values()) - min(loads.values()) <= 1
    for sheet in sheets:
        reviewer = User.get_by_id(sheet.reviewer_id)
        assert reviewer.unit_id is None or reviewer.unit_id != sheet.nomination.unit_id


def _review(round_, as_user, filed) -> None:
    criteria = rounds.criteria(round_)
    for username in PANEL:
        client = as_user(username)
        reviewer = User.get(User.username == username)
        tasks = client.get(f"/nominations/rounds/{round_.id}/reviews").data.decode()
        sheets = list(rounds.round_sheets(round_).where(ReviewSheet.reviewer == reviewer.id))
        assert tasks.count("评分</a>") == len(sheets)
        for n, sheet in enumerate(sheets):
            url = f"/nominations/{sheet.nomination_id}/review"
            total = _total(filed[sheet.nomination_id])
            if n == 0:  # a draft first, then the submission
                draft = review_form(criteria, total, action="save")
                assert client.post(url, data=draft).status_code == 302
                assert ReviewSheet.get_by_id(sheet.id).status == "draft"
            response = client.post(url, data=review_form(criteria, total))
            assert response.status_code == 302, response.data.decode()[:2000]
            assert ReviewSheet.get_by_id(sheet.id).total == total
    assert rounds.round_sheets(round_).where(ReviewSheet.status == "submitted").count() == 210


def _rank(round_, admin, **overrides) -> RankingRun:
    data = {"top": "30", "cap_per_category": "", "min_reviews": "5"}
    data.update(overrides)
    response = admin.post(f"/nominations/rounds/{round_.id}/ranking", data=data)
    assert response.status_code == 302, response.data.decode()[:2000]
    run = RankingRun.select().where(RankingRun.round == round_).order_by(RankingRun.id.desc()).get()
    assert response.headers["Location"].endswith(f"/ranking/{run.id}")
    return run


def test_a_whole_round_through_the_web(app, db, as_user):
    admin = as_user("admin")
    round_ = _set_up(admin)
    filed = _nominate(round_, as_user)
    assert as_user("r-410105").get(f"/nominations/rounds/{round_.id}").status_code == 302
    _close_and_assign(round_, admin)
    progress = admin.get(f"/nominations/rounds/{round_.id}/assignments").data.decode()
    assert "0 / 210" in progress
    _review(round_, as_user, filed)

    # A run with a cap and normalisation is kept as its own snapshot with its parameters.
    capped = _rank(round_, admin, cap_per_category="2", normalise="y")
    params = json.loads(capped.params)
    assert params["cap_per_category"] == 2 and params["normalise"] is True
    results = json.loads(capped.results)
    chosen = [r for r in results if r["selected"] is not False]
    assert len(chosen) == 20 and max(Counter(r["category"] for r in chosen).values()) == 2
    assert (
        "原始得分"
        in admin.get(f"/nominations/rounds/{round_.id}/ranking/{capped.id}").data.decode()
    )

    run = _rank(round_, admin)
    assert run.number == capped.number + 1
    results = json.loads(run.results)
    undecided = [r for r in results if r["selected"] is None]
    index_of = {str(k): v for k, v in filed.items()}
    assert sorted(index_of[r["nomination"]] for r in undecided) == [29, 30]
    assert all("cut-line-tie" in r["flags"] and r["rank"] == 30 for r in undecided)
    assert sum(1 for r in results if r["selected"]) == 29
    page = admin.get(f"/nominations/rounds/{round_.id}/ranking/{run.id}").data.decode()
    assert "待评审会决定" in page and "名额线并列" in page

    # Confirming waits for the panel; the panel must fill the one place, no more, no less.
    confirm_url = f"/nominations/rounds/{round_.id}/ranking/{run.id}/confirm"
    admin.post(confirm_url)
    assert RankingRun.get_by_id(run.id).confirmed_at is None
    first, second = (int(r["nomination"]) for r in undecided)
    decide = f"/nominations/rounds/{round_.id}/ranking/{run.id}/decisions/"
    admin.post(decide + str(first), data={"selected": "0", "note": "评审会表决 3 票赞成 6 票反对"})
    admin.post(decide + str(second), data={"selected": "0", "note": "评审会表决 4 票赞成 5 票反对"})
    admin.post(confirm_url)
    assert RankingRun.get_by_id(run.id).confirmed_at is None  # a place left empty
    admin.post(decide + str(first), data={"selected": "1", "note": "评审会表决 6 票赞成 3 票反对"})
    response = admin.post(confirm_url)
    assert response.headers["Location"].endswith(f"/nominations/rounds/{round_.id}/awards")
    assert RankingRun.get_by_id(run.id).confirmed_at is not None
    entry = AuditEntry.get(AuditEntry.action == "nomination.confirm")
    assert len(json.loads(entry.after)["awardees"]) == 30
    assert str(first) in json.loads(entry.after)["awardees"]
    assert AuditEntry.select().where(AuditEntry.action == "nomination.panel_decision").count() == 3

    _award_list(round_, admin, as_user, first, second)

    # The round is closed: no more runs.
    admin.post(f"/nominations/rounds/{round_.id}/ranking", data={"top": "30", "min_reviews": "5"})
    assert RankingRun.select().where(RankingRun.round == round_).count() == 2


def _award_list(round_, admin, as_user, first: int, second: int) -> None:
    winner = Nomination.get_by_id(first).nominee_name
    loser = Nomination.get_by_id(second).nominee_name
    admin.get("/nominations/")  # shows (and clears) the flashed messages naming both
    page = admin.get(f"/nominations/rounds/{round_.id}/awards").data.decode()
    assert "共 30 个" in page and winner in page and loser not in page
    assert "提名对象00" in page and "提名对象41" not in page

    printed = admin.get(f"/nominations/rounds/{round_.id}/awards/print").data.decode()
    assert "表彰名单" in printed and "（共30个）" in printed and winner in printed
    assert "郑州市人力资源和社会保障局" in printed and "95.00" not in printed
    assert "一、先进县(市、区)" in printed

    response = admin.get(f"/nominations/rounds/{round_.id}/awards.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    awards, ranked = workbook.worksheets
    assert awards.max_row == 31 and ranked.max_row == NOMINATIONS + 1
    names = {row[3] for row in awards.iter_rows(min_row=2, values_only=True)}
    assert winner in names and loser not in names

    pdf = admin.get(f"/nominations/rounds/{round_.id}/awards.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    viewer = as_user("viewer")
    assert viewer.get(f"/nominations/rounds/{round_.id}").status_code == 302
    assert winner in viewer.get(f"/nominations/rounds/{round_.id}/awards").data.decode()
    assert viewer.get(f"/nominations/rounds/{round_.id}/awards.xlsx").status_code == 200
    reporter = as_user("r-410105")
    assert winner in reporter.get(f"/nominations/rounds/{round_.id}/awards").data.decode()
    assert reporter.get(f"/nominations/rounds/{round_.id}/awards.xlsx").status_code == 403

    record = admin.get(f"/nominations/{first}/record").data.decode()
    assert record.count("评语：事迹真实典型") == 5 and "评审会表决 6 票赞成 3 票反对" in record
