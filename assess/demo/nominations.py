"""Demo data for the ten-types-of-models round (十类典型评选), per seed 003: seven panel
experts (评审专家), four of them from units that also nominate, so conflicts of interest
occur; the 2013 round with 47 nominations from the demo reporters across the ten
categories; the balanced assignment; and nearly every score sheet submitted, so the admin
can rank, settle the cut-line tie the data contains and confirm the award list.

The round, the accounts and the assignment go through the domain functions. Nominations
and score sheets are written in bulk with one audit entry each, which keeps ``assess demo``
(and every test that loads the demo) fast; the entries say what was loaded.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from assess.accounts import users
from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import ReviewSheetState, Role
from assess.demo import DEMO_PASSWORD
from assess.nominations import ranking_runs, review_sheets, rounds
from assess.nominations.models import CriterionScore, Nomination, ReviewSheet
from assess.units.models import Unit
from scoring.nomination_ranking import rank_nominations
from scoring.nomination_totals import Review, weighted_total

YEAR = 2013
# username, name, unit code or None: four work for nominating units.
EXPERTS = (
    ("expert1", "张建华", "410105"),
    ("expert2", "李淑芬", "dept-jyj"),
    ("expert3", "王志刚", "410103"),
    ("expert4", "赵丽萍", None),
    ("expert5", "陈国栋", None),
    ("expert6", "刘红梅", "dept-rsj"),
    ("expert7", "孙文斌", None),
)

# (nominating unit, category index, nominee, work unit, position) — categories in the
# order of nominations.DEFAULT_CATEGORIES.
NOMINATIONS = (
    ("410105", 0, "金水区", "", ""),
    ("410103", 0, "二七区", "", ""),
    ("410184", 0, "新郑市", "", ""),
    ("410102", 0, "中原区", "", ""),
    ("zz-zdxq", 0, "郑东新区", "", ""),
    ("410105", 1, "金水区丰产路街道办事处", "", ""),
    ("410102", 1, "中原区林山寨街道办事处", "", ""),
    ("410184", 1, "新郑市龙湖镇人民政府", "", ""),
    ("410104", 1, "管城回族区北下街街道办事处", "", ""),
    ("410182", 1, "荥阳市豫龙镇人民政府", "", ""),
    ("dept-rsj", 2, "郑州宇通客车股份有限公司", "", ""),
    ("zz-hkgq", 2, "富士康科技集团郑州科技园", "", ""),
    ("zz-jkq", 2, "郑州日产汽车有限公司", "", ""),
    ("410122", 2, "郑州海马汽车有限公司", "", ""),
    ("zz-gxq", 2, "汉威科技集团股份有限公司", "", ""),
    ("410103", 3, "二七区流动人口服务管理中心", "", ""),
    ("410104", 3, "管城回族区流动人口服务站", "", ""),
    ("zz-gxq", 3, "高新区石佛办事处流动人口服务中心", "", ""),
    ("dept-gaj", 3, "郑州市公安局流动人口服务管理支队", "", ""),
    ("410181", 3, "巩义市流动人口计划生育服务中心", "", ""),
    ("dept-rsj", 4, "郑州市技师学院", "", ""),
    ("410183", 4, "新密市阳光工程培训学校", "", ""),
    ("dept-jyj", 4, "郑州职业技术学院", "", ""),
    ("410185", 4, "登封市职业技能培训中心", "", ""),
    ("zz-jkq", 5, "王秀兰", "郑州日产汽车有限公司", "焊装车间班组长"),
    ("zz-hkgq", 5, "李建国", "富士康科技集团郑州科技园", "生产线线长"),
    ("410105", 5, "张春梅", "郑州丹尼斯百货有限公司花园路店", "营业员"),
    ("410106", 5, "刘长海", "上街区铝城物流有限公司", "驾驶员"),
    ("410108", 5, "马小燕", "三全食品股份有限公司", "质检员"),
    ("410103", 5, "陈德旺", "中建七局第二建筑有限公司", "钢筋班班长"),
    ("dept-jyj", 6, "金水区纬五路第二小学", "", ""),
    ("410103", 6, "二七区陇海小学", "", ""),
    ("410102", 6, "中原区伊河路小学", "", ""),
    ("dept-jyj", 6, "郑州市第七十三中学", "", ""),
    ("410184", 6, "新郑市龙湖镇第一初级中学", "", ""),
    ("410105", 7, "金水区文化路街道政一街社区", "", ""),
    ("410108", 7, "惠济区老鸦陈街道毛庄社区", "", ""),
    ("zz-zdxq", 7, "郑东新区祭城路街道和顺社区", "", ""),
    ("410104", 7, "管城回族区紫荆山南路街道东里路社区", "", ""),
    ("410182", 7, "荥阳市京城路街道楚韵社区", "", ""),
    ("dept-wsj", 8, "郑州市妇幼保健院", "", ""),
    ("410103", 8, "二七区人口和计划生育服务站", "", ""),
    ("410122", 8, "中牟县妇幼保健院", "", ""),
    ("410105", 8, "金水区杜岭街道社区卫生服务中心", "", ""),
    ("dept-rkjsw", 9, "刘海燕", "金水区丰产路街道办事处", "流动人口协管员"),
    ("410103", 9, "赵志强", "二七区建中街社区居委会", "计生专干"),
    ("410184", 9, "孙慧敏", "新郑市龙湖镇人口计生办", "主任"),
)

DEEDS = (
    "{name}把流动人口基本公共服务均等化纳入政府年度目标考核，建成流动人口服务站{a}个，"
    "全年为{b}万名流动人口提供免费计划生育技术服务，流动人口同住子女在公办学校就读比例达{p}%。",
    "{name}建立“一站式”流动人口服务大厅，实行居住登记、计生服务、就业介绍一窗受理，"
    "辖区{b}万名流动人口全部建档，年内开展健康教育和法律援助活动{a}场次，群众满意率{p}%。",
    "{name}依法与外来务工人员签订劳动合同，签订率{p}%，为{b}千名外来务工人员足额缴纳五项社会保险，"
    "建成职工公寓和子女托管中心，年内组织技能培训{a}期。",
    "{name}落实属地管理、亲情服务原则，配备专职协管员{a}名，开展流动人口计划生育“三查”服务{b}千人次，"
    "流动人口信息准确率达{p}%，经验做法在全市推广。",
    "{name}面向流动人口开展订单式职业技能培训，年内培训{b}千人次，取证率{p}%，"
    "推荐就业率达{p2}%，与{a}家用工单位建立长期合作。",
    "{name}来郑务工{a}年，爱岗敬业、刻苦钻研，带领班组完成技术革新{b}项，"
    "热心帮扶新入职的外来务工人员，多次被评为企业先进工作者。",
    "{name}保证流动人口同住子女免费平等接受义务教育，在校流动人口子女{b}百名，占在校生{p}%，"
    "开展“手拉手”融合活动{a}次，流动人口子女学业合格率{p2}%。",
    "{name}建成社区一站式公共服务大厅，为入住社区居民提供就业、计生、医疗、文体等服务，"
    "辖区流动人口{b}千人，组织融合活动{a}场，居民满意率{p}%。",
    "{name}为流动人口免费提供健康档案、预防接种、孕产保健等服务，建档率{p}%，"
    "年内服务流动人口{b}千人次，开设流动人口绿色通道{a}个。",
    "{name}扎根基层流动人口服务管理工作{a}年，走访登记流动人口{b}千人次，"
    "帮助解决子女入学、就业、维权等实际困难，群众称为“流动人口的贴心人”。",
)

COMMENTS = (
    ("事迹典型突出，材料翔实", "事迹较为典型", "典型性不够突出"),
    ("成效显著，数据支撑充分", "有一定成效", "成效数据不够充分"),
    ("做法新颖，示范带动作用强", "有一定创新", "创新性一般"),
    ("群众评价高，社会反响好", "社会评价较好", "缺少群众评价材料"),
    ("材料规范齐全", "材料基本齐全", "佐证材料不全"),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "海燕", "志强", "丽娟", "国庆", "红霞", "文斌", "晓燕", "建军", "玉兰")
HALF = Decimal("0.5")


def load() -> None:
    """Load the 2013 round; a no-op when the demo has no units (should not happen)."""
    by_code = {u.code: u for u in Unit.select()}
    admin = User.get_or_none(User.username == "admin")
    if admin is None or "410105" not in by_code:
        return
    rng = random.Random(YEAR)
    with database.atomic():
        for username, name, unit_code in EXPERTS:
            users.create_user(
                username,
                DEMO_PASSWORD,
                Role.INSPECTOR,
                by_code.get(unit_code) if unit_code else None,
                display_name=f"评审专家 {name}",
                actor=admin,
            )
        round_ = rounds.create_round(
            rounds.RoundSettings(YEAR, "", date(YEAR, 10, 1), date(YEAR, 10, 31)), admin
        )
        _nominations(round_, by_code, rng, admin)
        review_sheets.auto_assign(round_, admin)
        _reviews(round_, rng, admin)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _nominations(round_, by_code, rng: random.Random, admin: User) -> None:
    categories = rounds.categories(round_)
    reporters = {u.unit_id: u.id for u in User.select().where(User.role == Role.REPORTER)}
    rows = []
    for i, (code, index, name, work_unit, position) in enumerate(NOMINATIONS):
        unit = by_code[code]
        category = categories[index]
        filed = datetime(YEAR, 10, 8) + timedelta(days=i % 20, hours=i % 7)
        deeds = DEEDS[index].format(
            name=name,
            a=rng.randint(3, 30),
            b=rng.randint(2, 60),
            p=rng.randint(85, 99),
            p2=rng.randint(80, 98),
        )
        rows.append(
            {
                "round": round_.id,
                "category": category.id,
                "unit": unit.id,
                "nominee_kind": category.nominee_kind,
                "nominee_name": name,
                "work_unit": work_unit,
                "position": position,
                "contact_person": unit.contact_person or _person(rng),
                "contact_phone": f"0371-6{rng.randint(1000000, 9999999)}",
                "deeds": deeds,
                "created_by": reporters.get(unit.id),
                "created_at": filed,
                "updated_at": filed,
            }
        )
    Nomination.insert_many(rows).execute()
    audit.record(
        "nomination.demo_load",
        "nomination_round",
        round_.id,
        after={"nominations": len(rows)},
        actor=admin,
    )


def _split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Points per criterion (multiples of 0.5, each within 0..weight) summing to ``total``."""
    points = [
        (w * total / 100 / HALF).to_integral_value(rounding=ROUND_FLOOR) * HALF for w in weights
    ]
    i = 0
    while sum(points) < total:
        if points[i % len(points)] < weights[i % len(points)]:
            points[i % len(points)] += HALF
        i += 1
    return points


def _totals(round_, rng: random.Random) -> dict[int, Decimal]:
    """A plausible total for every sheet: the nominee's quality, the reviewer's leniency
    and some noise, in half points; one nominee gets a reviewer far off (disagreement)."""
    sheets = list(rounds.round_sheets(round_).order_by(ReviewSheet.id))
    quality = {n: Decimal(rng.randint(140, 188)) * HALF for n in {s.nomination_id for s in sheets}}
    leniency = {r: Decimal(rng.randint(-8, 8)) * HALF for r in {s.reviewer_id for s in sheets}}
    totals = {}
    for s in sheets:
        noise = Decimal(rng.randint(-6, 6)) * HALF
        value = quality[s.nomination_id] + leniency[s.reviewer_id] + noise
        totals[s.id] = min(Decimal(99), max(Decimal(40), value))
    outlier = sheets[len(sheets) // 3]
    totals[outlier.id] = max(Decimal(40), totals[outlier.id] - 25)
    return totals


def _band(ratio: Decimal) -> int:
    """Which comment fits a criterion scored at ``ratio`` of its points: 0 high, 2 low."""
    if ratio >= Decimal("0.9"):
        return 0
    return 1 if ratio >= Decimal("0.75") else 2


def _reviews(round_, rng: random.Random, admin: User) -> None:
    sheets = list(rounds.round_sheets(round_).order_by(ReviewSheet.id))
    totals = _totals(round_, rng)
    pending = [s.id for s in sheets[-12::2]]  # six sheets still open: three drafts, three new
    untouched = set(pending[:3])
    _tie_at_cut_line(round_, sheets, totals, set(pending))
    criteria = rounds.criteria(round_)
    weights = [c.weight for c in criteria]
    scores, submitted = [], 0
    for i, sheet in enumerate(sheets):
        points = _split(totals[sheet.id], weights)
        if sheet.id in untouched:
            continue
        draft = sheet.id in pending
        for c, p in zip(criteria, points, strict=True):
            band = _band(p / c.weight)
            keep = not draft or c.sort_order < 2
            scores.append(
                {
                    "sheet": sheet.id,
                    "criterion": c.id,
                    "points": p if keep else None,
                    "comment": COMMENTS[c.sort_order % len(COMMENTS)][band] if keep else "",
                }
            )
        at = datetime(YEAR, 11, 4) + timedelta(hours=i * 3 % 400)
        if draft:
            ReviewSheet.update(status=ReviewSheetState.DRAFT, updated_at=at).where(
                ReviewSheet.id == sheet.id
            ).execute()
        else:
            total = weighted_total(
                {str(c.id): p for c, p in zip(criteria, points, strict=True)},
                {str(c.id): c.weight for c in criteria},
            )
            ReviewSheet.update(
                status=ReviewSheetState.SUBMITTED, total=total, updated_at=at, submitted_at=at
            ).where(ReviewSheet.id == sheet.id).execute()
            submitted += 1
    for start in range(0, len(scores), 250):
        CriterionScore.insert_many(scores[start : start + 250]).execute()
    audit.record(
        "review_sheets.demo_load",
        "nomination_round",
        round_.id,
        after={"submitted": submitted, "open": len(sheets) - submitted},
        actor=admin,
    )


def _tie_at_cut_line(round_, sheets, totals, pending: set[int]) -> None:
    """Give the nominees ranked 30th and 31st the same totals, so the first ranking shows a
    tie across the cut line for the panel to settle (SPEC §5)."""
    done = [s for s in sheets if s.id not in pending]
    reviews = [Review(str(s.nomination_id), "c", str(s.reviewer_id), totals[s.id]) for s in done]
    params = ranking_runs.default_params(round_)
    ranked = [r for r in rank_nominations(reviews, params) if r.rank is not None]
    top = params.top
    if len(ranked) <= top:
        return
    last_in, first_out = ranked[top - 1].nomination, ranked[top].nomination
    source = sorted(totals[s.id] for s in done if str(s.nomination_id) == last_in)
    target = [s for s in done if str(s.nomination_id) == first_out]
    if len(source) != len(target):
        return
    for sheet, total in zip(target, source, strict=True):
        totals[sheet.id] = total
