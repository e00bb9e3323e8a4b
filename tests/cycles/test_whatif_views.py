"""The what-if page of a draft cycle (权重模拟): last year's published values re-scored
under the draft's weights, on the page only — nothing is written, not even an audit entry."""

from __future__ import annotations

import re
from decimal import Decimal

from assess.accounts.models import User
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.models import Cycle, Submission
from assess.ops.schema import ALL_MODELS
from tests.cycle_helpers import make_cycle, unit
from tests.notifications.helpers import reporter_of

JINSHUI, ZHONGYUAN = "410105", "410102"


def _hand_in(cycle: Cycle, code: str, values) -> None:
    u, reporter = unit(code), reporter_of(code)
    for indicator, value in values:
        submissions.save_value(cycle, u, indicator, value, "", 0, reporter)
    submissions.submit_unit(cycle, u, reporter)


def published_last_year(findings: dict | None = None) -> Cycle:
    """2025: 金水区 90%, 4 次, 优 → 34.29 + 30 + 30 = 94.29 (优秀, 1st); 中原区 80%, 4 次,
    中 → 22.86 + 30 + 18 = 70.86 (合格, 2nd); every other unit unreported (0).
    ``findings`` maps (unit code, indicator code) to what the inspector's verification
    adds (``verified_value``, ``deduction`` and their reasons)."""
    admin = User.get(User.username == "admin")
    cycle = make_cycle("open", year=2025, name="上年度周期")
    _hand_in(cycle, JINSHUI, (("A1", "90/100"), ("A2", "4"), ("B1", "优")))
    _hand_in(cycle, ZHONGYUAN, (("A1", "80/100"), ("A2", "4"), ("B1", "中")))
    lifecycle.transition(cycle, "review", admin)
    for sub in Submission.select().where(Submission.cycle == cycle):
        found = (findings or {}).get((sub.unit.code, sub.indicator_code), {})
        submissions.verify_item(sub, sub.version, admin, **found)
    publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


def everything() -> dict[str, list]:
    """Every row of every table, to prove a page wrote nothing."""
    return {m.__name__: sorted(map(repr, m.select().tuples())) for m in ALL_MODELS}


def rows_of(html: str) -> dict[str, list[str]]:
    """The what-if tables' rows by unit name: the cells' text."""
    out = {}
    for row in re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", html, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        out[cells[0].split()[0]] = [" ".join(c.split()) for c in cells]
    return out


def simulated(client, draft: Cycle, **data) -> str:
    """The page after submitting the form with ``data`` (baseline and weights)."""
    page = client.post(f"/cycles/{draft.id}/whatif", data=data)
    assert page.status_code == 200
    return page.data.decode()


def simulated_writing_nothing(as_user, **weights) -> str:
    """The office's page after submitting ``weights`` against last year; every table is
    as it was before."""
    last, draft = _setup()
    client = as_user("admin")
    before = everything()
    html = simulated(client, draft, baseline=last.id, **weights)
    assert everything() == before
    return html


def _setup():
    last = published_last_year()
    draft = make_cycle("draft", year=2026, name="草稿周期", previous=last)
    return last, draft


def test_the_saved_weights_reproduce_last_year(as_user, db):
    _last, draft = _setup()
    page = as_user("admin").get(f"/cycles/{draft.id}/whatif")
    assert page.status_code == 200
    html = page.data.decode()
    rows = rows_of(html)
    assert rows["金水区"][1:] == ["94.29", "94.29", "0.00", "优秀", "优秀", "1", "1"]
    assert rows["中原区"][1:] == ["70.86", "70.86", "0.00", "合格", "合格", "2", "2"]
    assert "等次变化的单位：0 个" in html
    assert 'name="weight-A1"' in html and 'value="40"' in html
    assert 'role="img"' in html and "数据表" in html  # the chart, with its table


def test_edited_weights_show_who_changes_grade_and_write_nothing(as_user, db):
    weights = {"weight-A1": "10", "weight-A2": "60", "weight-B1": "30"}
    html = simulated_writing_nothing(as_user, **weights)
    rows = rows_of(html)
    # 金水区: 10 × 30/35 = 8.57 + 60 + 30 = 98.57; 中原区: 10 × 20/35 = 5.71 + 60 + 18 = 83.71.
    assert rows["金水区"][1:] == ["94.29", "98.57", "+4.28", "优秀", "优秀", "1", "1"]
    assert rows["中原区"][1:] == ["70.86", "83.71", "+12.85", "合格", "良好", "2", "2"]
    assert "等次变化的单位：1 个" in html and "中原区 合格→良好" in html
    assert html.count('class="tag changed"') == 1
    assert "权重合计" not in html  # still 100


def test_verified_values_and_deductions_are_those_published(as_user, db):
    last = published_last_year(
        {
            (ZHONGYUAN, "A1"): {"verified_value": "85/100", "reason": "抽查复核"},
            (ZHONGYUAN, "A2"): {"deduction": Decimal(5), "deduction_reason": "纪要不全"},
        }
    )
    draft = make_cycle("draft", year=2026, name="草稿周期", previous=last)
    client = as_user("admin")
    # Published: 40 × 25/35 = 28.57 + (30 − 5) + 18 = 71.57, reproduced by the saved weights.
    rows = rows_of(client.get(f"/cycles/{draft.id}/whatif").data.decode())
    assert rows["中原区"][1:3] == ["71.57", "71.57"]
    # A1 10, A2 60: 10 × 25/35 = 7.14 + (60 − 5) + 18 = 80.14, 良好.
    weights = {"weight-A1": "10", "weight-A2": "60"}
    rows = rows_of(simulated(client, draft, baseline=last.id, **weights))
    assert rows["中原区"][1:6] == ["71.57", "80.14", "+8.57", "合格", "良好"]


def test_weights_with_another_sum_are_simulated_with_a_warning(as_user, db):
    last, draft = _setup()
    weights = {"weight-A1": "40", "weight-A2": "50"}
    html = simulated(as_user("admin"), draft, baseline=last.id, **weights)
    assert "县（市、区）适用指标的权重合计由 100 变为 120；总得分仍折算为百分制。" in html
    # 金水区: (34.29 + 50 + 30) / 120 × 100 = 95.2416… → 95.24.
    assert rows_of(html)["金水区"][2] == "95.24"


def test_bad_weights_are_refused_with_messages_and_nothing_changes(as_user, db):
    weights = {"weight-A1": "-1", "weight-A2": "1.234", "weight-B1": "abc"}
    html = simulated_writing_nothing(as_user, **weights)
    assert "权重有误，未进行模拟" in html
    for message in ("权重不能为负数", "权重最多保留 2 位小数", "权重须为数字"):
        assert message in html
    assert 'aria-invalid="true"' in html
    assert 'value="1.234"' in html  # what was typed stays in its box
    assert "模拟结果" not in html


def test_an_unknown_baseline_is_refused(as_user, db):
    _last, draft = _setup()
    page = as_user("admin").post(f"/cycles/{draft.id}/whatif", data={"baseline": "999999"})
    html = page.data.decode()
    assert "页面已失效或所选周期无效" in html and "模拟结果" not in html


def test_the_office_may_choose_another_published_cycle(as_user, db):
    last, draft = _setup()
    admin = User.get(User.username == "admin")
    other = make_cycle("open", year=2024, name="前年周期")
    lifecycle.transition(other, "review", admin)
    publishing.publish(Cycle.get_by_id(other.id), admin)
    client = as_user("admin")
    html = client.get(f"/cycles/{draft.id}/whatif").data.decode()
    # The draft's previous cycle comes first and is the one compared with.
    assert html.index(f'value="{last.id}"') < html.index(f'value="{other.id}"')
    assert "与 2025 上年度周期 比较" in html
    html = client.post(f"/cycles/{draft.id}/whatif", data={"baseline": other.id}).data.decode()
    assert "与 2024 前年周期 比较" in html
    assert rows_of(html)["金水区"][1:3] == ["0.00", "0.00"]


def test_without_a_published_cycle_the_page_says_so(as_user, db):
    draft = make_cycle("draft", year=2026, name="草稿周期")
    html = as_user("admin").get(f"/cycles/{draft.id}/whatif").data.decode()
    assert "没有可比较的已公布考核周期" in html


def test_only_a_draft_and_only_the_office(as_user, db):
    last, draft = _setup()
    admin = as_user("admin")
    assert admin.get(f"/cycles/{last.id}/whatif").status_code == 404
    assert as_user("inspector").get(f"/cycles/{draft.id}/whatif").status_code == 403
    assert as_user("viewer").post(f"/cycles/{draft.id}/whatif").status_code == 403
    assert f"/cycles/{draft.id}/whatif" in admin.get(f"/cycles/{draft.id}").data.decode()
    assert "/whatif" not in admin.get(f"/cycles/{last.id}").data.decode()
    assert "/whatif" not in as_user("inspector").get(f"/cycles/{draft.id}").data.decode()


def _township_cycle(owner, name: str, state: str) -> Cycle:
    """A cycle of the county township set run by ``owner`` (None: the city), in ``state``
    (draft or published, with no values handed in)."""
    from assess.units.models import Unit
    from indicators import shipped_sets

    admin = User.get(User.username == "admin")
    key = "county-variant-township"
    text = shipped_sets()[key].read_text("utf-8")
    owner_unit = Unit.by_code(owner) if owner else None
    cycle = lifecycle.create_cycle(2026, name, text, key, actor=admin, owner=owner_unit)
    if state == "published":
        lifecycle.transition(cycle, "open", admin)
        lifecycle.transition(cycle, "review", admin)
        publishing.publish(Cycle.get_by_id(cycle.id), admin)
    return Cycle.get_by_id(cycle.id)


def test_a_county_office_simulates_its_own_draft_against_its_own_cycles(as_user, db):
    ours = _township_cycle(JINSHUI, "金水区乡镇考核（已公布）", "published")
    citys = _township_cycle(None, "全市乡镇考核（已公布）", "published")
    draft = _township_cycle(JINSHUI, "金水区乡镇考核（草稿）", "draft")
    city_draft = _township_cycle(None, "全市乡镇考核（草稿）", "draft")
    office = as_user("office-410105")
    html = office.get(f"/cycles/{draft.id}/whatif").data.decode()
    # Its own published cycle is offered, the city's of the same kind is not.
    assert f'value="{ours.id}"' in html and f'value="{citys.id}"' not in html
    refused = office.post(f"/cycles/{draft.id}/whatif", data={"baseline": citys.id})
    assert "页面已失效或所选周期无效" in refused.data.decode()
    # The city's draft is beyond its scope; the city office sees both baselines.
    assert office.get(f"/cycles/{city_draft.id}/whatif").status_code == 404
    admin = as_user("admin").get(f"/cycles/{city_draft.id}/whatif").data.decode()
    assert f'value="{ours.id}"' in admin and f'value="{citys.id}"' in admin
