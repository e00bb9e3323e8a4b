"""What every scenario does in the browser: read flashed messages, open PDFs, download files."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import Locator, Page, expect


def expect_flash(page: Page, text: str) -> None:
    """A flashed success message containing ``text``, and no flashed error beside it."""
    # Flashed messages carry role=status; an item's return reason is styled alike but is not one.
    expect(page.locator(".flash-success[role=status]", has_text=text)).to_be_visible()
    expect(page.locator(".flash-error[role=status]")).to_have_count(0)


PDF_TIMEOUT_MS = 90_000


def open_pdf(page: Page, link: Locator) -> bytes:
    """Click a link to a PDF as the signed-in user does; return the PDF's bytes.

    Served as an attachment, the click must give a download; served inline, Chromium opens
    its viewer (no download event, and the response body seen is the viewer's page), so
    the bytes are then fetched in the same session (``page.request`` shares the cookies).
    """
    url = urljoin(page.url, link.get_attribute("href"))
    # Rendering a report is seconds of work (the first in a server process loads the fonts
    # too), not one browser action: on a busy machine it outlasts TIMEOUT_MS.
    response = page.request.get(url, timeout=PDF_TIMEOUT_MS)
    assert response.ok, f"{url}: {response.status}"
    assert response.headers["content-type"].startswith("application/pdf")
    if response.headers.get("content-disposition", "").startswith("attachment"):
        with page.expect_download(timeout=PDF_TIMEOUT_MS) as info:
            link.click()
        return Path(info.value.path()).read_bytes()
    link.click()
    expect(page).to_have_url(url)
    return response.body()


def download(page: Page, link: Locator) -> bytes:
    """Click a link served as an attachment (an Excel export, a CSV); return the file's bytes."""
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def confirm_and_publish(page: Page, note: str) -> None:
    """On the pre-publish check (发布前检查): confirm every exception listed, give the note
    on the units that never reported, publish, and see it published."""
    # ``all()`` does not wait: right after the click that led here it may still see the
    # page before, find no box, and the publication is refused as unconfirmed.
    expect(page.get_by_role("button", name="发布结果")).to_be_visible()
    for box in page.locator("input[type=checkbox][name^=confirm_]").all():
        box.check()
    page.get_by_label("发布说明（未报送单位的情况，必填，随结果印发）").fill(note)
    page.get_by_role("button", name="发布结果").click()
    expect_flash(page, "考核周期已转为：结果已公布")


def hand_in_test_set(page: Page) -> None:
    """On a county's self-report page of a cycle of ``tests/data/cycle_set.yaml``: fill its
    three scored items (A1 90/100, A2 4, B1 优), save them and submit."""
    a1 = page.locator("#item-A1")
    a1.get_by_label("分子").fill("90")
    a1.get_by_label("分母").fill("100")
    page.locator("#item-A2").get_by_label("数值").fill("4")
    page.locator("#item-B1").get_by_label("等级").select_option("优")
    page.get_by_role("button", name="保存全部").first.click()
    expect_flash(page, "已保存")
    page.get_by_role("button", name="提交自评").click()
    expect_flash(page, "已提交 3 项指标")


def publish_handed_in(admin: Page, reporter: Page, name: str, year: str, note: str) -> str:
    """:func:`handed_in_for_review` with ``tests/data/cycle_set.yaml``, then the office
    publishes through the pre-publish check with ``note``; the cycle page's URL."""
    from tests.cycle_helpers import SET_PATH

    url = handed_in_for_review(admin, reporter, name, year, SET_PATH)
    admin.get_by_role("link", name="发布前检查并发布").click()
    confirm_and_publish(admin, note)
    return url


def return_a2(page: Page, cycle_url: str, unit: str, reason: str) -> None:
    """As an inspector: from the cycle's page, open ``unit``'s A2 in the queue and return it
    with ``reason``."""
    page.goto(cycle_url)
    page.get_by_role("link", name="核查队列").click()
    row = page.locator("tbody tr", has_text=unit).filter(has_text="A2 协调会次数")
    row.get_by_role("link", name="核查").click()
    expect(page.locator("h1")).to_contain_text(f"{unit} · A2")
    page.get_by_label("退回原因", exact=True).fill(reason)
    page.get_by_role("button", name="退回单位修改").click()
    expect_flash(page, "已退回 A2")


def verify_item(page: Page, cycle_url: str, unit: str, item: str, value: str, reason: str) -> None:
    """As an inspector (or the office): open ``unit``'s ``item`` (its code and name, as the
    queue lists it: "A1 政策知晓率") in the cycle's queue, verify it at ``value`` with
    ``reason`` and see it verified."""
    code = item.split()[0]
    page.goto(cycle_url.rstrip("/") + "/inspection/")
    page.locator("table.queue tbody tr", has_text=unit).filter(has_text=item).get_by_role(
        "link", name="核查"
    ).click()
    expect(page.locator("h1")).to_contain_text(f"{unit} · {code}")
    page.get_by_label("核定值", exact=True).fill(value)
    page.get_by_label("核定理由", exact=True).fill(reason)
    page.get_by_role("button", name="核定通过").click()
    expect_flash(page, f"已核定 {code}")


VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}


def shoot(page: Page, folder: Path, name: str) -> None:
    """Whole-page screenshots of the page as it is at both viewports (``name-desktop.png``,
    ``name-phone.png`` in ``folder``), then back to the desktop size."""
    folder.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def create_cycle(
    page: Page,
    name: str,
    *,
    year: str = "2026",
    set_file: Path | None = None,
    shipped: str | None = None,
    due: str | None = "2099-12-31",
    open_it: bool = True,
) -> str:
    """The office creates a cycle through the form (an uploaded set file or a shipped set),
    and opens it for self-report unless ``open_it`` is false; the cycle page's URL."""
    page.goto("/cycles/new")
    page.get_by_label("考核年度", exact=True).fill(year)
    page.get_by_label("周期名称", exact=True).fill(name)
    if shipped:
        page.get_by_label("选用内置指标体系", exact=True).select_option(shipped)
    else:
        page.locator("input[type=file][name=upload]").set_input_files(str(set_file))
    if due:
        page.get_by_label("自评截止日期", exact=True).fill(due)
    page.get_by_role("button", name="创建（草稿）").click()
    expect_flash(page, "已创建考核周期")
    url = page.url
    if open_it:
        page.get_by_role("button", name="转为：自评填报中").click()
        expect_flash(page, "考核周期已转为：自评填报中")
    return url


def handed_in_for_review(admin: Page, reporter: Page, name: str, year: str, set_file: Path) -> str:
    """The office creates and opens cycle ``name`` of ``set_file`` (tests/data/cycle_set.yaml),
    ``reporter``'s county hands in its three items (:func:`hand_in_test_set`) and the office
    turns the cycle to review (督查核查中); the cycle page's URL."""
    url = create_cycle(admin, name, year=year, set_file=set_file)
    reporter.goto("/cycles/")
    reporter.locator("tbody tr", has_text=name).get_by_role("link", name="本单位自评").click()
    hand_in_test_set(reporter)
    admin.goto(url)
    admin.get_by_role("button", name="转为：督查核查中").click()
    expect_flash(admin, "考核周期已转为：督查核查中")
    return url
