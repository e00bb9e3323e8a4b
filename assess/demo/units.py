"""Demo data from the seed documents: 郑州市, its 16 county-level units, member departments
with the leading-group roster (郑政办〔2010〕90号 附件) as contacts, and one account per role
(all with ``assess.demo.DEMO_PASSWORD``).
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN

from assess.accounts import users
from assess.accounts.models import User
from assess.core.db import database
from assess.core.enums import Role, UnitKind
from assess.demo import DEMO_PASSWORD, cycles, nominations
from assess.demo.zhengzhou import COUNTIES
from assess.evidence.storage import EvidenceStore
from assess.units import tree
from assess.units.models import Unit

__all__ = ["DEMO_PASSWORD", "DemoAlreadyLoaded", "DemoLogin", "demo_logins", "load_demo"]

CITY = ("zz", "郑州市")


# Member departments (成员单位) with the roster of 郑政办〔2010〕90号 附件.
DEPARTMENTS = (
    ("dept-rkjsw", "市人口计生委", "杨传文", "主任"),
    ("dept-zzb", "市综治办", "范娟", "副主任"),
    ("dept-fgw", "市发展改革委", "程筱平", "调研员"),
    ("dept-czj", "市财政局", "郝伟", "副局长"),
    ("dept-rsj", "市人社局", "王松亭", "副局长"),
    ("dept-jw", "市建委", "王凯", "副主任"),
    ("dept-gaj", "市公安局", "周廷欣", "副局长"),
    ("dept-fgj", "市房管局", "李全云", "副局长"),
    ("dept-jyj", "市教育局", "田保华", "副局长"),
    ("dept-wsj", "市卫生局", "原学岭", "副局长"),
    ("dept-gsj", "市工商局", "潘公社", "副局长"),
    ("dept-sfj", "市司法局", "王东风", "副局长"),
    ("dept-mzj", "市民政局", "张同亮", "调研员"),
)

# A few townships and communities so the tree shows all four levels.
TOWNSHIPS = (
    ("410105-001", "经八路街道", "410105"),
    ("410105-002", "花园路街道", "410105"),
    ("410103-001", "淮河路街道", "410103"),
)
COMMUNITIES = (
    ("410105-001-01", "经八路社区", "410105-001"),
    ("410105-002-01", "农科路社区", "410105-002"),
    ("410103-001-01", "兴华南街社区", "410103-001"),
)
# 中牟县's full township tier and one township's communities, for the county office's own
# assessment (issue 16 item 4). No source at hand lists 中牟县's townships reliably, so the
# names say they are samples (示例) rather than pass for real places.
SAMPLE_COUNTY = "410122"
SAMPLE_TOWNSHIPS = tuple(
    (f"{SAMPLE_COUNTY}-{n:03d}", f"示例乡镇{n:02d}", SAMPLE_COUNTY) for n in range(1, 13)
)
SAMPLE_COMMUNITIES = tuple(
    (f"{SAMPLE_COUNTY}-001-{n:02d}", f"示例乡镇01示例社区{n:02d}", f"{SAMPLE_COUNTY}-001")
    for n in range(1, 7)
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    unit: str


class DemoAlreadyLoaded(RuntimeError):
    pass


def load_demo(extensions: bool = True, store: EvidenceStore | None = None) -> list[DemoLogin]:
    """Load the demo units and accounts in one transaction; refuse if units already exist.

    ``extensions`` adds what later areas contribute (cycles, nominations); tests that need
    only units and accounts leave it off. The cycles' evidence files go to ``store``, which
    the cycle demo needs.
    """
    with database.atomic():
        if Unit.select().exists():
            raise DemoAlreadyLoaded()
        city = tree.create_unit(*CITY, kind=UnitKind.CITY)
        by_code = {city.code: city}
        for order, (code, name) in enumerate(COUNTIES):
            by_code[code] = tree.create_unit(code, name, UnitKind.COUNTY, city, sort_order=order)
        for order, (code, name, person, title) in enumerate(DEPARTMENTS):
            by_code[code] = tree.create_unit(
                code,
                name,
                UnitKind.DEPARTMENT,
                city,
                sort_order=100 + order,
                contact_person=person,
                contact_title=title,
            )
        for order, (code, name, parent) in enumerate(TOWNSHIPS + SAMPLE_TOWNSHIPS):
            by_code[code] = tree.create_unit(
                code, name, UnitKind.TOWNSHIP, by_code[parent], sort_order=order
            )
        for order, (code, name, parent) in enumerate(COMMUNITIES + SAMPLE_COMMUNITIES):
            by_code[code] = tree.create_unit(
                code, name, UnitKind.COMMUNITY, by_code[parent], sort_order=order
            )
        _accounts(by_code)
        if extensions:
            _load_extensions(store)
    return demo_logins()


def _accounts(by_code: dict[str, Unit]) -> None:
    office = by_code["dept-rkjsw"]
    users.create_user("admin", DEMO_PASSWORD, Role.ADMIN, office, display_name="兰维娜")
    users.create_user("inspector", DEMO_PASSWORD, Role.INSPECTOR, display_name="督查组 李明")
    users.create_user("viewer", DEMO_PASSWORD, Role.VIEWER, display_name="王哲")
    # 金水区's own office (区领导小组办公室): runs the district's assessment of its townships;
    # 中牟县's office has published its assessment of its twelve sample townships.
    users.create_user(
        "office-410105",
        DEMO_PASSWORD,
        Role.ADMIN,
        display_name="金水区办公室 赵静",
        scope_unit=by_code["410105"],
    )
    users.create_user(
        f"office-{SAMPLE_COUNTY}",
        DEMO_PASSWORD,
        Role.ADMIN,
        display_name="中牟县办公室 孙悦",
        scope_unit=by_code[SAMPLE_COUNTY],
    )
    sample_townships = {code for code, _name, _parent in SAMPLE_TOWNSHIPS}
    for code, unit in by_code.items():
        if unit.kind in (UnitKind.COUNTY, UnitKind.DEPARTMENT) or code in sample_townships:
            users.create_user(
                f"r-{code}", DEMO_PASSWORD, Role.REPORTER, unit, display_name=f"{unit.name}填报员"
            )


def _load_extensions(store: EvidenceStore | None) -> None:
    """The cycles and the nomination round, loaded after the units and logins they use."""
    for loader in LOADERS or (lambda: cycles.load(store), nominations.load):
        loader()


# Tests set this to load only some of the demo (the nomination round alone, say).
LOADERS: list = []


def demo_logins() -> list[DemoLogin]:
    rows = (
        User.select(User.username, User.role, Unit.name)
        .join(Unit, join_type=JOIN.LEFT_OUTER)
        .order_by(User.id)
        .tuples()
    )
    return [DemoLogin(u, r, n or "") for u, r, n in rows]
