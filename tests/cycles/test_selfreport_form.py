"""The self-report page's one form (自评填报): 保存全部 in one transaction with every item
checked on its own, 保存此项 keeping what was typed elsewhere, autosave, and a refused save
that keeps everything (values, accounts, the chosen files as pending attachments) with the
messages at their fields and a summary at the top; an oversized post answered on the page."""

from __future__ import annotations

import io
import re

import pytest

from assess.core.models import AuditEntry
from assess.cycles.models import Submission
from assess.evidence.models import Evidence
from tests.cycle_helpers import make_cycle, pdf_bytes, png_bytes, unit


@pytest.fixture
def page(as_user, db):
    """An open cycle, 金水区's reporter and the URL of its self-report page."""
    cycle = make_cycle("open")
    return as_user("r-410105"), f"/cycles/{cycle.id}/units/{unit('410105').id}/", cycle


def _sub(code):
    return Submission.get_or_none(Submission.indicator_code == code)


def _post(client, url, **fields):
    """Post the page's form with these fields; each item named carries its version, as the
    page does (the version it was built from, unless the test gives one)."""
    data = {"save": ""}
    data.update(fields)
    for code in {key.split("-", 1)[1] for key in fields if "-" in key}:
        sub = _sub(code)
        data.setdefault(f"version-{code}", sub.version if sub else 0)
    return client.post(url + "save", data=data, content_type="multipart/form-data")


def test_one_form_with_save_all_and_per_item_buttons(page):
    client, url, _cycle = page
    html = client.get(url).data.decode()
    assert html.count('class="selfreport"') == 1
    # One form holds every item; no per-item forms remain.
    assert 'class="item-form"' not in html.replace('<div class="item-form">', "")
    assert html.count(">保存全部</button>") == 1 and html.count('name="save" value="A1"') == 1
    assert 'name="value-A2"' in html and 'name="narrative-B1"' in html
    # The size limit is named at the file field, before any upload.
    assert "单个文件不超过 20 MB" in html


def test_save_all_saves_every_changed_item_in_one_go(page):
    client, url, _cycle = page
    r = _post(
        client,
        url,
        **{"numerator-A1": "90", "denominator-A1": "100", "narrative-A1": "抽样 100 人"},
        **{"value-A2": "3", "value-B1": "优", "version-A1": 0, "version-A2": 0},
    )
    assert r.status_code == 302
    assert (_sub("A1").value_text, _sub("A2").value_text, _sub("B1").value_text) == (
        "90/100",
        "3",
        "优",
    )
    assert _sub("X1") is None  # left empty: not changed, not saved
    page_after = client.get(url).data.decode()
    assert "A1、A2、B1 已保存" in page_after


def test_one_bad_item_saves_nothing_and_shows_every_message(page):
    client, url, _cycle = page
    audits = AuditEntry.select().count()
    r = _post(
        client,
        url,
        **{"numerator-A1": "120", "denominator-A1": "100", "narrative-A1": "说明甲"},
        **{"value-A2": "3", "value-B1": "很好", "narrative-B1": "说明乙"},
        **{"files-A2": (io.BytesIO(pdf_bytes(1)), "会议纪要.pdf")},
    )
    html = r.data.decode()
    assert r.status_code == 422
    assert not Submission.select().exists() and not Evidence.select().exists()
    assert AuditEntry.select().count() == audits
    # The summary at the top links to each bad field; the messages sit at the fields.
    summary = html[html.index('class="error-summary"') : html.index("<h1>")]
    assert 'href="#numerator-A1"' in summary and 'href="#value-B1"' in summary
    assert "A2" not in summary
    assert 'id="error-A1"' in html and 'id="error-B1"' in html
    assert re.search(r'id="numerator-A1"[^>]*aria-invalid="true"[^>]*autofocus', html)
    # Everything typed is back, the valid A2 included, and its file is pending by name.
    assert 'value="120"' in html and "说明甲" in html and "说明乙" in html
    assert re.search(r'name="value-A2"[^>]*value="3"', html)
    assert "会议纪要.pdf" in html and 'name="pending-A2"' in html

    # Fixing B1 and A1 and sending the page again attaches the pending file: no re-upload.
    token = re.search(r'name="pending-A2" value="([^"]+)"', html).group(1)
    r = _post(
        client,
        url,
        **{"numerator-A1": "90", "denominator-A1": "100", "value-A2": "3", "value-B1": "优"},
        **{"pending-A2": token},
    )
    assert r.status_code == 302
    assert [e.original_name for e in Evidence.select()] == ["会议纪要.pdf"]
    assert Evidence.get().submission_id == _sub("A2").id


def test_a_refused_file_is_named_at_its_field_and_good_ones_stay_pending(page):
    client, url, _cycle = page
    r = _post(
        client,
        url,
        **{"value-A2": "3"},
        **{
            "files-A2": [(io.BytesIO(png_bytes()), "照片.png"), (io.BytesIO(b"MZ\x90"), "病毒.pdf")]
        },
    )
    html = r.data.decode()
    assert r.status_code == 422 and not Submission.select().exists()
    assert 'href="#files-A2"' in html and "病毒.pdf" in html
    assert re.search(r'id="files-A2"[^>]*aria-invalid="true"', html)
    assert "照片.png" in html and 'name="pending-A2"' in html


def test_removing_a_pending_file_saves_nothing_and_keeps_the_rest(page):
    client, url, _cycle = page
    html = _post(
        client, url, **{"value-A2": "x"}, **{"files-A2": (io.BytesIO(pdf_bytes(1)), "甲.pdf")}
    ).data.decode()
    token = re.search(r'name="pending-A2" value="([^"]+)"', html).group(1)
    r = _post(
        client, url, drop=token, **{"pending-A2": token, "value-A2": "4", "narrative-A2": "说明"}
    )
    html = r.data.decode()
    assert r.status_code == 200 and not Submission.select().exists()
    assert "甲.pdf" not in html and "已移除待保存的文件" in html and "说明" in html


def test_a_post_without_an_item_leaves_it_alone(page):
    """Only the items the sent page held are read: a field missing is not a value cleared."""
    client, url, _cycle = page
    _post(client, url, **{"value-A2": "3", "version-A2": 0})
    assert client.post(url + "save", data={"save": ""}).status_code == 302
    assert _sub("A2").value_text == "3"


def test_a_forged_pending_token_attaches_nothing(page):
    client, url, _cycle = page
    r = _post(client, url, **{"value-A2": "3", "pending-A2": "forged.token"})
    assert r.status_code == 302 and not Evidence.select().exists()


def test_save_one_item_keeps_what_was_typed_in_the_others(page):
    client, url, _cycle = page
    r = _post(
        client,
        url,
        save="A2",
        **{"value-A2": "3", "version-A2": 0, "narrative-A1": "还没写完的说明", "value-B1": "良"},
    )
    html = r.data.decode()
    assert r.status_code == 200
    assert _sub("A2").value_text == "3" and _sub("A1") is None and _sub("B1") is None
    assert "A2 已保存" in html and "其他 2 项指标的修改尚未保存" in html
    assert "还没写完的说明" in html and re.search(r"<option selected>良</option>", html)
    assert re.search(r'id="item-A1"[^>]*data-unsaved', html)
    assert not re.search(r'id="item-A2"[^>]*data-unsaved', html)
    # Nothing else typed: the plain redirect back to the item.
    r = _post(client, url, save="A2", **{"value-A2": "4", "version-A2": _sub("A2").version})
    assert r.status_code == 302 and r.headers["Location"].endswith("#item-A2")


def test_conflicts_are_per_item(page):
    client, url, _cycle = page
    _post(client, url, **{"value-A2": "3", "value-B1": "优"})
    stale = _sub("A2").version
    b1 = {"value-B1": "优", "version-B1": _sub("B1").version}
    assert _post(client, url, **{"value-A2": "4", "version-A2": stale}, **b1).status_code == 302
    r = _post(client, url, **{"value-A2": "5", "version-A2": stale}, **(b1 | {"value-B1": "良"}))
    html = r.data.decode()
    assert r.status_code == 422 and "已被" in html and 'href="#value-A2"' in html
    assert 'href="#value-B1"' not in html
    assert _sub("A2").value_text == "4" and _sub("B1").value_text == "优"  # nothing saved


def test_autosave_saves_a_draft_and_returns_the_version(page):
    client, url, _cycle = page
    r = client.post(url + "autosave", data={"code": "A2", "value-A2": "3", "version-A2": 0})
    assert r.status_code == 200 and r.json["ok"] and re.fullmatch(r"\d\d:\d\d", r.json["time"])
    assert _sub("A2").value_text == "3" and r.json["version"] == _sub("A2").version
    r = client.post(url + "autosave", data={"code": "A2", "value-A2": "-1", "version-A2": 1})
    assert r.status_code == 200 and not r.json["ok"] and r.json["message"]
    assert _sub("A2").value_text == "3"
    assert client.post(url + "autosave", data={"code": "ZZ"}).json["ok"] is False


def test_autosave_is_refused_to_another_unit(page, as_user):
    _client, url, _cycle = page
    other = as_user("r-410102")
    r = other.post(url + "autosave", data={"code": "A2", "value-A2": "3", "version-A2": 0})
    assert r.status_code == 404 and _sub("A2") is None


def test_an_oversized_post_gives_the_page_with_a_message(page, app):
    client, url, _cycle = page
    _post(client, url, **{"value-A2": "3"})  # saved before: shown again
    app.config["MAX_CONTENT_LENGTH"] = 2048
    r = _post(
        client, url, **{"value-A2": "9", "files-A2": (io.BytesIO(b"%PDF" + b"0" * 4096), "大.pdf")}
    )
    html = r.data.decode()
    assert r.status_code == 413
    assert "服务器未接收" in html and "单个佐证材料不超过 20 MB" in html
    assert 'class="selfreport"' in html and re.search(r'name="value-A2"[^>]*value="3"', html)
    assert _sub("A2").value_text == "3"


def test_an_oversized_post_to_another_units_page_shows_nothing_of_it(page, app, as_user):
    _client, url, _cycle = page
    app.config["MAX_CONTENT_LENGTH"] = 2048
    other = as_user("r-410102")
    r = other.post(url + "save", data={"files-A2": (io.BytesIO(b"0" * 4096), "大.pdf")})
    assert r.status_code == 404 and "金水区" not in r.data.decode()


def test_autosave_in_a_cycle_under_review_is_refused_with_the_reason(as_user, db):
    cycle = make_cycle("review")
    client = as_user("r-410105")
    url = f"/cycles/{cycle.id}/units/{unit('410105').id}/autosave"
    r = client.post(url, data={"code": "A2", "value-A2": "3", "version-A2": 0})
    assert r.json["ok"] is False and "考核周期不在自评填报阶段" in r.json["message"]
    assert _sub("A2") is None


def test_deleting_a_saved_file_keeps_what_was_typed(page, as_user):
    client, url, _cycle = page
    _post(client, url, **{"value-A2": "3", "files-A2": (io.BytesIO(pdf_bytes(1)), "纪要.pdf")})
    evidence = Evidence.get()
    r = _post(client, url, remove=str(evidence.id), **{"value-A2": "7", "narrative-B1": "未完"})
    html = r.data.decode()
    assert r.status_code == 200 and not Evidence.select().exists()
    assert "已删除佐证材料 纪要.pdf" in html and "未完" in html
    assert re.search(r'name="value-A2"[^>]*value="7"', html)
    assert _sub("A2").value_text == "3" and _sub("B1") is None  # deleting saved nothing else
    # Another unit's file is not reachable through this page.
    _post(client, url, **{"files-A2": (io.BytesIO(pdf_bytes(1)), "纪要.pdf")})
    other = as_user("r-410102")
    assert other.post(url + "save", data={"remove": Evidence.get().id}).status_code == 404
    assert Evidence.select().count() == 1
