"""Every page of the app, with ids from the demo data, for the browser tests that visit them all.

The server process (``tests/e2e/server.py --demo full``) writes ``site-map.json`` into its
instance: the app's rules from ``url_map`` and *contexts*, coherent sets of route arguments
taken from the demo data (a cycle with one of its units, one of that unit's items and
rectifications; a nomination round with one of its runs and nominations; …). The test
process, which must not open the app's database, reads the file and builds the URLs: every
rule with a GET method is filled from each context that has all its arguments, so a page
added to the app is visited without editing any list. A rule no context can fill fails the
test that asks for it, naming the argument to add here.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from assess.accounts import users
from assess.accounts.models import User
from assess.core.enums import CycleState, JobState
from assess.core.formatting import local_today
from assess.cycles import library, lifecycle
from assess.cycles.models import Assignment, Cycle, Rectification, Submission
from assess.nominations import entries, ranking_runs, rounds
from assess.nominations.models import Nomination, NominationRound, RankingRun, ReviewSheet
from assess.reports.jobs import REPORT_BATCH
from assess.reports.models import Job
from assess.units.models import Unit
from indicators import SETS_DIR

FILE = "site-map.json"
#: The units whose pages are visited: a county with a reporter and nominations, a member
#: department (the department cycle's units).
UNITS = ("410105", "dept-rsj")
#: The demo's one reviewer with sheets to fill, whose review pages are visited.
REVIEWER = "expert4"
_ARGUMENT = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def add_open_work() -> None:
    """What the demo lacks for some pages: the demo round ranked, its cut-line tie settled
    and its award list confirmed; a cycle open for self-report and one in draft; a service
    account; a nomination
    round whose window is open today, with one nomination of 金水区."""
    admin = User.get(User.username == "admin")
    run = ranking_runs.run_ranking(NominationRound.get(), admin)
    undecided = [r.nomination for r in ranking_runs.run_results(run) if r.selected is None]
    for place, nomination in enumerate(undecided):
        ranking_runs.record_decision(run, int(nomination), place == 0, "评审会表决", admin)
    ranking_runs.confirm_run(run, admin)
    today = local_today()
    set_file = "zz-2012-county.yaml"
    cycle = lifecycle.create_cycle(
        today.year,
        "浏览器测试：填报中的考核",
        (SETS_DIR / set_file).read_text(encoding="utf-8"),
        set_file,
        today + timedelta(days=30),
        today + timedelta(days=60),
        actor=admin,
    )
    lifecycle.transition(cycle, CycleState.OPEN, admin)
    department_set = "zz-2011-department.yaml"
    lifecycle.create_cycle(
        today.year,
        "浏览器测试：草稿中的考核",
        (SETS_DIR / department_set).read_text(encoding="utf-8"),
        department_set,
        actor=admin,
    )
    users.create_service_account(
        "province-platform", "省级流动人口服务平台", "viewer", actor=admin
    )  # the service-account pages (服务账号)
    round_ = rounds.create_round(
        rounds.RoundSettings(today.year, "", today - timedelta(days=1), today + timedelta(days=30)),
        admin,
    )
    category = rounds.categories(round_)[0]
    reporter = User.get(User.username == "r-410105")
    entries.create_nomination(
        round_,
        entries.NomineeInput(
            category.id,
            category.nominee_kind,
            "金水区",
            contact_person="张伟",
            contact_phone="0371-65501234",
            deeds="事迹材料",
        ),
        reporter,
    )


def _contexts(instance: Path) -> list[dict[str, object]]:
    contexts: list[dict[str, object]] = []
    units = list(Unit.select().where(Unit.code.in_(UNITS)))
    for cycle in Cycle.select().order_by(Cycle.id):
        for unit in units:
            assignment = Assignment.get_or_none(cycle=cycle, unit=unit)
            if assignment is None:
                continue
            context = {"cycle_id": cycle.id, "unit_id": unit.id, "assignment_id": assignment.id}
            item = Submission.select().where(Submission.cycle == cycle, Submission.unit == unit)
            if first := item.order_by(Submission.id).first():
                context["submission_id"] = first.id
            rect = Rectification.select().where(
                Rectification.cycle == cycle, Rectification.unit == unit
            )
            if first := rect.order_by(Rectification.id).first():
                context["rect_id"] = first.id
            contexts.append(context)
    reviewer = User.get(User.username == REVIEWER)
    for round_ in NominationRound.select().order_by(NominationRound.id):
        base: dict[str, object] = {"round_id": round_.id}
        if run := RankingRun.select().where(RankingRun.round == round_).first():
            base["run_id"] = run.id
        contexts.append(base)
        nominations = Nomination.select().where(Nomination.round == round_)
        own = nominations.join(Unit).where(Unit.code == UNITS[0]).order_by(Nomination.id)
        reviewed = (
            nominations.join(ReviewSheet)
            .where(ReviewSheet.reviewer == reviewer)
            .order_by(Nomination.id)
        )
        for nomination in filter(None, (own.first(), reviewed.first())):
            contexts.append({**base, "nomination_id": nomination.id})
    contexts.append({"key": library.shipped_sets()[0].key})  # the indicator library's sets
    contexts.append({"user_id": User.get(User.username == "r-410105").id})
    contexts.append({"account_id": User.get(User.is_service).id})
    contexts.append({"job_id": _finished_job(instance)})
    return contexts


def _finished_job(instance: Path) -> str:
    """A report batch that has failed, as its job row records it: its page is visited
    without rendering sixteen PDFs on the test machine."""
    job_id = "0" * 32
    published = Cycle.get(Cycle.state == CycleState.PUBLISHED)
    Job.create(
        id=job_id,
        kind=REPORT_BATCH,
        cycle=published,
        state=JobState.FAILED,
        total=16,
        done=3,
        error="浏览器测试：演示的失败批次",
    )
    return job_id


def write(app, instance: Path) -> None:
    """``site-map.json`` in ``instance``: the app's rules and the demo's contexts."""
    rules = [
        {
            "rule": rule.rule,
            "endpoint": rule.endpoint,
            "methods": sorted(rule.methods - {"HEAD", "OPTIONS"}),
        }
        for rule in app.url_map.iter_rules()
    ]
    data = {"rules": rules, "contexts": _contexts(instance)}
    (instance / FILE).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def arguments(rule: str) -> list[str]:
    return _ARGUMENT.findall(rule)


def urls(rule: str, contexts: list[dict[str, object]]) -> list[str]:
    """``rule`` filled from every context holding all its arguments, without repeats."""
    needed = arguments(rule)
    found = []
    for context in contexts:
        if all(name in context for name in needed):
            url = _ARGUMENT.sub(lambda m, values=context: str(values[m.group(1)]), rule)
            if url not in found:
                found.append(url)
    return found


def read(instance: Path) -> dict:
    return json.loads((instance / FILE).read_text(encoding="utf-8"))
