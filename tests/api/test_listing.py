"""Every list of the API: its ETag and conditional GET, and the same list as CSV and .xlsx."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from assess.accounts import tokens
from assess.accounts.models import User
from assess.core.db import database
from assess.units.models import Unit
from scoring.export_cells import CSV_BOM
from tests.security.conftest import ROLE_USERS, UNIT_A, world  # noqa: F401 (the fixture)

LISTS = ["/api/v1/units", "/api/v1/cycles"]


def _bearer(app, username: str) -> dict:
    with app.app_context():
        database.connect(reuse_if_open=True)
        user = User.get(User.username == username)
        secret = tokens.create_token(user, "t", "read", 30, actor=None).secret
        database.close()
    return {"Authorization": f"Bearer {secret}"}


def _csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith(CSV_BOM)
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.mark.parametrize("path", LISTS)
def test_a_list_answers_304_to_its_own_etag(app, client, world, path):  # noqa: F811
    admin = _bearer(app, "admin")
    first = client.get(path, headers=admin)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.strip('"')
    assert "Authorization" in first.headers["Vary"]
    again = client.get(path, headers={**admin, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    # Another page, another format, another person: another representation.
    assert client.get(path + "?per_page=1", headers=admin).headers["ETag"] != etag
    assert client.get(path + "?format=csv", headers=admin).headers["ETag"] != etag
    reporter = _bearer(app, ROLE_USERS["reporter"])
    assert client.get(path, headers={**reporter, "If-None-Match": etag}).status_code == 200


def test_the_etag_changes_with_the_data(app, client, world):  # noqa: F811
    admin = _bearer(app, "admin")
    etag = client.get("/api/v1/units", headers=admin).headers["ETag"]
    with app.app_context():
        database.connect(reuse_if_open=True)
        Unit.update(name="改名后的单位").where(Unit.code == UNIT_A).execute()
        database.close()
    changed = client.get("/api/v1/units", headers={**admin, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "改名后的单位" in {u["name"] for u in changed.get_json()["items"]}


def test_units_as_csv_are_the_whole_list_with_the_json_names(app, client, world):  # noqa: F811
    admin = _bearer(app, "admin")
    paged = client.get("/api/v1/units?per_page=2", headers=admin).get_json()
    export = client.get("/api/v1/units?format=csv&per_page=2", headers=admin)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.headers["Content-Disposition"] == 'attachment; filename="units.csv"'
    rows = _csv_rows(export)
    assert len(rows) == paged["total"] > 2  # every unit, not the page of two
    assert list(rows[0]) == ["id", "code", "name", "kind", "parent_id", "depth", "active"]
    assert rows[0]["code"] == paged["items"][0]["code"]


def test_a_formula_in_a_name_stays_text_in_both_exports(app, client, world):  # noqa: F811
    with app.app_context():
        database.connect(reuse_if_open=True)
        Unit.update(name='=HYPERLINK("http://x","点我")').where(Unit.code == UNIT_A).execute()
        database.close()
    admin = _bearer(app, "admin")
    rows = _csv_rows(client.get("/api/v1/units?format=csv", headers=admin))
    names = {r["code"]: r["name"] for r in rows}
    assert names[UNIT_A] == "'" + '=HYPERLINK("http://x","点我")'
    sheet = _sheet(client.get("/api/v1/units?format=xlsx", headers=admin))
    cell = next(row[2] for row in sheet.iter_rows(min_row=2) if row[1].value == UNIT_A)
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value == '=HYPERLINK("http://x","点我")'


def _sheet(response):
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return load_workbook(io.BytesIO(response.get_data())).active


def test_results_export_one_row_per_unit_with_a_column_per_indicator(
    app,
    client,
    world,  # noqa: F811
):
    admin = _bearer(app, "admin")
    path = f"/api/v1/cycles/{world.published_cycle}/results"
    body = client.get(path, headers=admin).get_json()
    first = body["items"][0]
    sheet = _sheet(client.get(path + "?format=xlsx", headers=admin))
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("unit_code")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == body["total"]
    row = rows[first["unit_code"]]
    # The total and each indicator's score are numbers there, equal to the JSON's text.
    assert Decimal(str(row[header.index("total")])) == Decimal(first["total"])
    for score in first["scores"]:
        column = header.index(f"{score['code']}.score")
        assert Decimal(str(row[column])) == Decimal(score["score"])
    assert f"{first['scores'][0]['code']}.code" not in header
    # The CSV carries the same table.
    rows_csv = _csv_rows(client.get(path + "?format=csv", headers=admin))
    assert [r for r in rows_csv if r["unit_code"] == first["unit_code"]][0]["total"] == (
        first["total"]
    )


def test_a_reporter_exports_its_own_unit_only(app, client, world):  # noqa: F811
    reporter = _bearer(app, ROLE_USERS["reporter"])
    path = f"/api/v1/cycles/{world.published_cycle}/results?format=csv"
    rows = _csv_rows(client.get(path, headers=reporter))
    assert [r["unit_code"] for r in rows] == [UNIT_A]


def test_an_unknown_format_is_refused_in_chinese(app, client, world):  # noqa: F811
    response = client.get("/api/v1/units?format=pdf", headers=_bearer(app, "admin"))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"query": {"format": ["须为 json、csv 或 xlsx。"]}}


def test_the_document_declares_etag_and_both_exports(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    lists = [p for p, ops in spec["paths"].items() if "format" in _query_names(ops.get("get"))]
    assert len(lists) == 9  # every list endpoint: units, cycles, results and the six reads
    for path in lists:
        operation = spec["paths"][path]["get"]
        ok = operation["responses"]["200"]
        assert {"application/json", "text/csv"} <= set(ok["content"])
        assert "ETag" in ok["headers"] and "304" in operation["responses"]
        names = {p["name"] for p in spec["paths"][path].get("parameters", [])}
        assert "If-None-Match" in names


def _query_names(operation) -> set[str]:
    return {p["name"] for p in (operation or {}).get("parameters", []) if p["in"] == "query"}


def test_an_award_list_exports_as_a_workbook(app, client, world):  # noqa: F811
    admin = _bearer(app, "admin")
    path = f"/api/v1/nomination-rounds/{world.round}/awards"
    body = client.get(path, headers=admin).get_json()
    sheet = _sheet(client.get(path + "?format=xlsx", headers=admin))
    assert sheet.max_row == body["total"] + 1 >= 2
