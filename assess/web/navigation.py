"""Template helpers: the role-dependent navigation, the vocabulary enums and their labels."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assess.core import enums, labels
from assess.core.formatting import indicator_target, indicator_value, local_time, plain_number
from assess.core.policy import action_of, can
from assess.web.pagination import page_url

# (endpoint, label) in menu order; an entry shows when its endpoint exists and the
# user's role may perform the endpoint's declared action.
MENU = (
    ("main.home", _l("首页")),
    ("cycles.index", _l("考核周期")),
    ("ledger.index", _l("核减台账")),
    ("library.index", _l("指标库")),
    ("units.tree", _l("单位")),
    ("nominations.index", _l("十类典型评选")),
    ("users.index", _l("用户管理")),
    ("units.unit_list", _l("单位管理")),
    ("delivery.settings", _l("消息渠道")),
    ("audit.index", _l("审计日志")),
)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    url: str
    active: bool


def nav_items() -> list[NavItem]:
    items = []
    for endpoint, label in MENU:
        view = current_app.view_functions.get(endpoint)
        if view is None or not can(current_user, action_of(view)):
            continue
        blueprint = endpoint.split(".")[0]
        active = request.endpoint == endpoint or (
            blueprint != "main" and (request.endpoint or "").startswith(blueprint + ".")
        )
        items.append(NavItem(endpoint, str(label), url_for(endpoint), active))
    return items


def _vocabulary() -> dict[str, object]:
    """Every enum and state group of ``assess.core.enums`` by name, so templates compare
    with ``CycleState.OPEN`` or ``cycle.state in RESULT_CYCLE_STATES``, never a literal."""
    groups = {
        name: value
        for name, value in vars(enums).items()
        if name.endswith(("_STATES", "_PHASES", "_KINDS"))
    }
    return {enum.__name__: enum for enum in enums.ALL_ENUMS} | groups


def init_app(app) -> None:
    app.jinja_env.globals.update(
        nav_items=nav_items,
        can=can,
        get_locale=get_locale,
        page_url=page_url,
        local_time=local_time,
        plain_number=plain_number,
        **_vocabulary(),
        **labels.TEMPLATE_GLOBALS,
    )
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["indicator_value"] = indicator_value
    app.jinja_env.filters["indicator_target"] = indicator_target
