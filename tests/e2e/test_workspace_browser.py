"""The analyst's workspace in a real browser: Debian's headless Chromium, driven by
selenium through Debian's chromedriver, against the real ``cde serve`` as a process.

What a credit analyst does after ``make run``: sign in at ``/ui`` with the printed token,
enter the seed application by hand (first with a field the engine cannot read), read the
declined result with its reasons, download the memo PDF (its text read back with pypdf),
upload a batch and watch it finish, open the dashboard. Then what must never happen: a
second tenant seeing the first one's records, a form posted without its CSRF token doing
anything. Every page passes axe-core's WCAG 2 A/AA rules (labels, contrast, names,
landmarks; axe-core is vendored in ``tests/e2e/axe``), and the keyboard reaches the
sign-in form's fields in their visual order.

The browser runs with a proxy that goes nowhere (``127.0.0.1:9``; loopback is never
proxied): a page that fetched anything from the internet would lack it. Set
``CDE_WORKSPACE_SCREENSHOTS`` to a folder to keep a screenshot of each page there
(``docs/images`` holds the ones docs/workspace.md shows).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from pypdf import PdfReader
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from cde.entrypoints.web.forms import ApplicationForm
from generate_applications import generate

if TYPE_CHECKING:  # the fixtures' types; at run time pytest provides the fixtures
    from conftest import RunCli, Service, StartService

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SEED = orjson.loads((REPO / "examples" / "seed_request.json").read_bytes())
AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text("utf-8")
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 30.0
SHOTS = os.environ.get("CDE_WORKSPACE_SCREENSHOTS")


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def new_browser(chromium: str, downloads: Path) -> Iterator[Callable[[], webdriver.Chrome]]:
    """Start headless Chromiums (each its own profile: its own cookies); all quit after."""
    started: list[webdriver.Chrome] = []

    def start() -> webdriver.Chrome:
        if not Path(CHROMEDRIVER).exists():
            pytest.fail(f"{CHROMEDRIVER} is missing: make browser installs chromium-driver")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--window-size=1280,1000",
            "--proxy-server=127.0.0.1:9",  # nothing from the internet; loopback is direct
            "--lang=id",
        ):
            options.add_argument(argument)
        options.add_experimental_option(
            "prefs",
            {
                "download.default_directory": str(downloads),
                "download.prompt_for_download": False,
                "plugins.always_open_pdf_externally": True,
            },
        )
        driver = webdriver.Chrome(service=DriverService(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(WAIT)
        started.append(driver)
        return driver

    try:
        yield start
    finally:
        for driver in started:
            driver.quit()


def wait_for(driver: webdriver.Chrome, what: Callable[[webdriver.Chrome], Any]) -> Any:
    """Poll ``what`` until it is true; an element that went stale under it (the page was
    replaced between finding it and reading it: a navigation in progress) is polled again."""
    wait = WebDriverWait(
        driver, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    )
    return wait.until(what)


def by_testid(driver: webdriver.Chrome | WebElement, testid: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')


def all_by_testid(driver: webdriver.Chrome | WebElement, testid: str) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')


def heading(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.TAG_NAME, "h1").text)


def accessible(driver: webdriver.Chrome, page: str) -> None:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is: no violation."""
    driver.execute_script(AXE)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, help: v.help, "
        "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))"
        ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));"
    )
    assert found == [], f"{page}: {found}"


def shot(driver: webdriver.Chrome, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / f"workspace-{name}.png"))


def sign_in(driver: webdriver.Chrome, service: Service, credential: str, name: str) -> None:
    driver.get(f"{service.base_url}/ui")
    wait_for(driver, lambda d: "/ui/signin" in d.current_url)
    by_testid(driver, "signin-credential").send_keys(credential)
    by_testid(driver, "signin-user-id").send_keys("ana")
    by_testid(driver, "signin-user-name").send_keys(name)
    role = by_testid(driver, "signin-role")
    if role.tag_name == "select":
        Select(role).select_by_index(1)
    else:
        role.send_keys("Analis Kredit")
    by_testid(driver, "signin-submit").click()
    wait_for(driver, lambda d: "/ui/signin" not in d.current_url)
    assert name in by_testid(driver, "who").text


def only_token(service: Service) -> str:
    tokens = service.tokens_printed()
    assert len(tokens) == 1, service.stderr
    return tokens[0]


# --- entering an application by hand -----------------------------------------------------------


def add_rows(driver: webdriver.Chrome, list_name: str, wanted: int) -> None:
    """Press "add" until the list has ``wanted`` rows (htmx swaps the form in place)."""
    while len(all_by_testid(driver, f"row-{list_name}")) < wanted:
        before = len(all_by_testid(driver, f"row-{list_name}"))
        by_testid(driver, f"add-{list_name}").click()
        wait_for(driver, lambda d, n=before: len(all_by_testid(d, f"row-{list_name}")) > n)


def type_into(driver: webdriver.Chrome, name: str, value: str) -> None:
    """Enter ``value`` in the input named ``name`` as a person would: type it, choose it
    from a list; a date through its value (the date picker's typing order is the
    browser's locale's)."""
    element = wait_for(driver, lambda d: d.find_element(By.NAME, name))
    if element.tag_name == "select":
        Select(element).select_by_value(value)
    elif element.get_attribute("type") == "date":
        driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            element,
            value,
        )
    else:
        element.clear()
        element.send_keys(value)


def submit_application(driver: webdriver.Chrome) -> None:
    by_testid(driver, "submit-application").click()


# --- the tests -------------------------------------------------------------------------------


def test_an_analyst_enters_the_seed_by_hand_reads_the_decline_and_follows_a_batch(
    start_service: StartService,
    new_browser: Callable[[], webdriver.Chrome],
    downloads: Path,
    tmp_path: Path,
) -> None:
    service = start_service()
    token = only_token(service)
    driver = new_browser()

    # --- sign in with the printed token ---------------------------------------------------
    driver.get(f"{service.base_url}/ui")
    wait_for(driver, lambda d: "/ui/signin" in d.current_url)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id"
    accessible(driver, "sign in")
    shot(driver, "signin")
    sign_in(driver, service, token, "Ana Analis")

    # --- the form, by hand: two rows of each list, every value of the seed typed -----------
    driver.get(f"{service.base_url}/ui/applications/new")
    assert heading(driver) == "Permohonan kredit baru"
    for list_name in ("income", "expenses", "collaterals"):
        add_rows(driver, list_name, len(SEED[list_name]))
    values = ApplicationForm.from_payload(SEED).values
    assert len(values) > 40  # the whole seed: ids, member, ranges, collaterals, records
    for name, value in values.items():
        type_into(driver, name, "empat puluh" if name == "character.age" else value)
    accessible(driver, "the filled form")
    shot(driver, "form")
    submit_application(driver)

    # the field the engine cannot read is shown beside its input; nothing typed is lost
    error = wait_for(driver, lambda d: by_testid(d, "error-character.age"))
    assert "tidak dapat dibaca" in error.text
    age = driver.find_element(By.NAME, "character.age")
    assert age.get_attribute("aria-invalid") == "true"
    assert "f-character-age-error" in (age.get_attribute("aria-describedby") or "")
    assert by_testid(driver, "form-problem").is_displayed()
    for name in ("loan_id", "income[1].value.to", "collaterals[1].code", "character.nik"):
        assert driver.find_element(By.NAME, name).get_attribute("value") == values[name], name
    accessible(driver, "the form with an error")
    shot(driver, "form-error")
    assert "/ui/applications/new" in driver.current_url  # nothing was stored

    type_into(driver, "character.age", "40")
    submit_application(driver)
    wait_for(driver, lambda d: re.search(r"/ui/recommendations/[0-9a-f-]{36}$", d.current_url))

    # --- the result: declined, with its reasons and every part a committee reads ------------
    outcome = by_testid(driver, "decision-outcome")
    assert outcome.get_attribute("data-outcome") == "decline"
    codes = {r.get_attribute("data-code") for r in all_by_testid(driver, "reason")}
    assert {"KOLEK_NON_PERFORMING", "CAPACITY_NO_ROOM"} <= codes, codes
    dimensions = {d.get_attribute("data-dimension") for d in all_by_testid(driver, "dimension")}
    assert dimensions == {"character", "capacity", "capital", "collateral", "condition"}
    assert all_by_testid(driver, "quality-flag")  # the seed's NIK has 14 digits
    # the payload and the memo may sit in folded <details>: their text, shown or not
    assert SEED["loan_id"] in (by_testid(driver, "payload-json").get_attribute("textContent") or "")
    assert "DITOLAK" in (by_testid(driver, "memo").get_attribute("textContent") or "").upper()
    record_id = by_testid(driver, "record-id").text.strip()
    accessible(driver, "the recommendation")
    shot(driver, "recommendation")

    # --- the memo as a PDF, downloaded by the browser -----------------------------------------
    by_testid(driver, "memo-pdf").click()
    pdf = wait_for(
        driver,
        lambda d: next(
            (p for p in downloads.glob("*.pdf") if p.stat().st_size > 0),
            None,
        ),
    )
    time.sleep(0.2)  # Chromium renames the finished download; let the rename settle
    reader = PdfReader(str(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert pdf.name == f"memo-{record_id}.pdf"
    assert "DITOLAK" in text
    assert SEED["loan_id"] in text
    assert f"Halaman 1 dari {len(reader.pages)}" in text
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4

    # --- the list shows it ------------------------------------------------------------------
    driver.get(f"{service.base_url}/ui/recommendations")
    rows = all_by_testid(driver, "recommendation-row")
    assert [r.get_attribute("data-id") for r in rows] == [record_id]
    accessible(driver, "the list")
    shot(driver, "list")

    # --- a batch of 30, uploaded and followed to its summary ----------------------------------
    book = tmp_path / "book.jsonl"
    book.write_bytes(b"".join(orjson.dumps(a) + b"\n" for a in generate(30, 5)))
    driver.get(f"{service.base_url}/ui/batches")
    by_testid(driver, "batch-form").find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(
        str(book)
    )
    accessible(driver, "the batch upload")
    by_testid(driver, "batch-submit").click()
    wait_for(driver, lambda d: re.search(r"/ui/batches/[0-9a-f-]{36}$", d.current_url))
    progress = wait_for(driver, lambda d: by_testid(d, "batch-bar"))
    assert progress.get_attribute("max") == "30"
    wait_for(
        driver, lambda d: by_testid(d, "batch-progress").get_attribute("data-status") == "done"
    )
    summary = by_testid(driver, "batch-summary")
    assert "30" in by_testid(driver, "batch-counts").text
    assert by_testid(summary, "batch-outcomes").text
    assert by_testid(driver, "batch-bar").get_attribute("value") == "30"
    accessible(driver, "the finished batch")
    shot(driver, "batch")

    # --- the dashboard: figures and charts of what was decided --------------------------------
    driver.get(f"{service.base_url}/ui/dashboard")
    figures = {
        f.find_element(By.TAG_NAME, "dt").text: f.find_element(By.TAG_NAME, "dd").text
        for f in all_by_testid(driver, "figure")
    }
    assert figures["Rekomendasi"] == "31", figures  # the seed and the batch's 30
    sections = all_by_testid(driver, "dashboard-section")
    assert len(sections) >= 4
    for section in sections:
        svg = section.find_element(By.TAG_NAME, "svg")
        assert svg.get_attribute("role") == "img"
        assert svg.size["width"] > 100  # drawn, not collapsed
    accessible(driver, "the dashboard")
    shot(driver, "dashboard")

    # --- English one click away --------------------------------------------------------------
    by_testid(driver, "lang-switch").click()
    wait_for(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert heading(driver) == "Portfolio dashboard"


def test_a_second_tenant_sees_none_of_the_first_tenants_records(
    start_service: StartService,
    run_cli: RunCli,
    new_browser: Callable[[], webdriver.Chrome],
) -> None:
    service = start_service()
    token = only_token(service)
    with service.client() as api:
        created = api.post(
            "/kocek/cde/credit-recommendation",
            content=orjson.dumps(SEED),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
    assert created.status_code == 200, created.text
    first_id = created.json()["data"]["id"]
    made = run_cli("tenant", "create", "KSP Lain")
    assert made.returncode == 0, made.stderr
    other_key = made.stdout.strip().splitlines()[-1]

    first = new_browser()
    sign_in(first, service, token, "Ana Analis")
    first.get(f"{service.base_url}/ui/recommendations")
    assert [r.get_attribute("data-id") for r in all_by_testid(first, "recommendation-row")] == [
        first_id
    ]

    second = new_browser()
    sign_in(second, service, other_key, "Budi")
    assert "KSP Lain" in by_testid(second, "who").text
    second.get(f"{service.base_url}/ui/recommendations")
    assert all_by_testid(second, "recommendation-row") == []
    assert by_testid(second, "list-empty").is_displayed()
    for path in (f"/ui/recommendations/{first_id}", f"/ui/recommendations/{first_id}/memo.pdf"):
        second.get(f"{service.base_url}{path}")
        assert by_testid(second, "error-title").is_displayed(), path
        assert first_id not in second.page_source.replace(path, "")
        assert SEED["loan_id"] not in second.page_source
    second.get(f"{service.base_url}/ui/dashboard")
    assert by_testid(second, "dashboard-empty").is_displayed()

    # signing out ends the session: the pages ask for a sign-in again
    by_testid(second, "signout").click()
    wait_for(second, lambda d: "/ui/signin" in d.current_url)
    second.get(f"{service.base_url}/ui/recommendations")
    wait_for(second, lambda d: "/ui/signin" in d.current_url)
    assert all_by_testid(second, "who") == []


def test_a_form_posted_without_its_csrf_token_does_nothing(
    start_service: StartService,
    new_browser: Callable[[], webdriver.Chrome],
) -> None:
    service = start_service()
    token = only_token(service)
    driver = new_browser()
    sign_in(driver, service, token, "Ana Analis")
    driver.get(f"{service.base_url}/ui/applications/new?example=seed")
    form = by_testid(driver, "application-form")
    hidden = form.find_elements(By.CSS_SELECTOR, "input[type=hidden]")
    csrf = [h for h in hidden if "csrf" in (h.get_attribute("name") or "")]
    assert len(csrf) == 1
    driver.execute_script("arguments[0].remove();", csrf[0])  # as a forged page would post
    submit_application(driver)
    title = wait_for(driver, lambda d: by_testid(d, "error-title"))
    assert title.text == "Permintaan ditolak"  # the CSRF refusal (403: test_web_session.py)
    assert "formulir" in by_testid(driver, "error-message").text.lower()
    with service.client() as api:
        listed = api.get(
            "/kocek/cde/credit-recommendation",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert listed.status_code == 200
    assert listed.json()["data"] == [], listed.json()  # nothing was stored
    # the same form with its token goes through
    driver.get(f"{service.base_url}/ui/applications/new?example=seed")
    submit_application(driver)
    wait_for(driver, lambda d: re.search(r"/ui/recommendations/[0-9a-f-]{36}$", d.current_url))


def test_the_keyboard_walks_the_sign_in_form_in_order_and_a_phone_gets_the_pages(
    start_service: StartService,
    new_browser: Callable[[], webdriver.Chrome],
) -> None:
    service = start_service()
    token = only_token(service)
    driver = new_browser()
    driver.get(f"{service.base_url}/ui/signin")
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    order = []
    for _ in range(12):
        active = driver.switch_to.active_element
        order.append(active.get_attribute("id") or active.tag_name)
        active.send_keys(Keys.TAB)
    fields = ["credential", "user_id", "user_name", "role", "signin-submit"]
    positions = [order.index(f) for f in fields]
    assert positions == sorted(positions), order  # the fields in the order they are shown
    # every focusable element shows where the focus is
    driver.find_element(By.ID, "credential").click()
    outline = driver.execute_script(
        "const s = getComputedStyle(document.activeElement);"
        "return [s.outlineStyle, s.outlineWidth, s.boxShadow];"
    )
    assert outline[0] != "none" or outline[2] != "none", outline

    driver.set_window_size(390, 844)  # a phone
    sign_in(driver, service, token, "Ana Analis")
    driver.get(f"{service.base_url}/ui/applications/new?example=seed")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the form is {width}px wide on a 390px phone"
    accessible(driver, "the form on a phone")
    shot(driver, "phone-form")


def test_pages_need_a_session(start_service: StartService) -> None:
    service = start_service()
    with service.client(follow_redirects=False) as web:
        for path in ("/ui/recommendations", "/ui/dashboard", "/ui/applications/new"):
            answer = web.get(path)
            assert answer.status_code in (302, 303), (path, answer.status_code)
            assert "/ui/signin" in answer.headers["location"]
        posted = web.post("/ui/applications/new", data={"loan_id": "x"})
        assert posted.status_code in (303, 403), posted.status_code
