"""The assistant page in a real browser (Debian's chromium driven by Playwright) against the real server.

Skips, saying why, only where the browser or Playwright cannot be had; `make test`
installs both.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .serving import running_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
FIXTURES = Path(__file__).parent / "fixtures" / "policies"
SHOTS = os.environ.get("ASSISTANT_SCREENSHOTS")     # a folder: save a picture of each stage there

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
    pytest.skip(f"no chromium at {CHROMIUM} (make test installs Debian's chromium with apt)",
                allow_module_level=True)


CAVEAT = """caveats:
  desk_hours_posted:
    title: Opening hours of the central library
    url: https://library.invalid/hours
    read_on: "2026-01-10"
    text: The desk closes at 18:00 on weekdays.
start: fines
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The server, with the synthetic fixture policy (its 1.1.0 given a caveat and an explanation)."""
    root = tmp_path_factory.mktemp("policies")
    shutil.copytree(FIXTURES / "library-card", root / "library-card")
    f = root / "library-card" / "1.1.0.yaml"
    text = f.read_text(encoding="utf-8")
    for old, new in (("start: fines\n", CAVEAT),
                     ("    title: Renew with a note\n",
                      "    title: Renew with a note\n    caveats: [desk_hours_posted]\n"
                      "    description: Under 16, a parent signs for you.\n")):
        assert old in text
        text = text.replace(old, new, 1)
    f.write_text(text, encoding="utf-8")
    with running_server({"ASANIMZA_POLICY_PATH": str(root)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, base):
    context = browser.new_context(viewport={"width": 900, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    foreign: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith(base) else foreign.append(r.url))
    pg.on("pageerror", lambda e: foreign.append(f"script error: {e}"))
    yield pg
    context.close()
    assert foreign == [], "the page must load nothing from elsewhere, and run without errors"


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def choose(page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()


def question(page) -> str:
    return page.locator("#question").inner_text()


def open_assistant(page, base: str) -> None:
    page.goto(f"{base}/?policy=asan-imza-renewal&as_of=2026-11-24")
    page.get_by_role("button", name="At an Azercell Exclusive office").wait_for()


def test_a_foreign_citizen_at_the_office_sees_the_residence_permit_and_the_passport(page, base):
    open_assistant(page, base)
    assert page.locator("#title").inner_text() == "Extend the validity of the Asan Imza service (Azercell)"
    assert "office, or online and by SMS?" in question(page)
    shot(page, "1-first-question")
    choose(page, "At an Azercell Exclusive office")
    sync_api.expect(page.locator("#question")).to_have_text("Who holds the SIM card, a person or a company?")
    choose(page, "A person (individual)")
    sync_api.expect(page.locator("#question")).to_contain_text("come to the office in person")
    choose(page, "Yes")
    sync_api.expect(page.locator("#question")).to_contain_text("foreign citizen")
    shot(page, "2-fourth-question")
    choose(page, "Foreign citizen")
    sync_api.expect(page.locator("#plan-title")).to_have_text(
        "Extend at an office with your residence permit and passport")
    documents = page.locator("#documents li").all_inner_texts()
    assert documents == ["Temporary or permanent residence permit of the Republic of Azerbaijan.",
                         "The foreign citizen's passport."]
    assert "foreign passport" in page.locator("#steps").inner_text()
    assert page.locator("#reasons li").all_inner_texts() == [
        "channel is office", "subscriber type is individual", "appears in person is yes", "citizenship is foreign"]
    assert page.locator("#citations blockquote").count() >= 1
    assert page.locator("#assumptions li").count() >= 1
    assert page.locator("#ask").is_hidden()
    # the flowchart, drawn by the server with this path highlighted
    page.wait_for_function("() => { const i = document.getElementById('diagram');"
                           " return i.complete && i.naturalWidth > 100; }")
    assert "diagram.svg?" in page.locator("#diagram").get_attribute("src")
    assert "office" in page.locator("#diagram").get_attribute("src")
    assert page.locator("#diagram-card").is_visible()
    shot(page, "3-plan-at-the-office")


def test_an_expired_certificate_without_the_online_application_gets_the_sms_then_the_centre(page, base):
    open_assistant(page, base)
    choose(page, "Online on e-taxes.gov.az, then by SMS to 8500")
    sync_api.expect(page.locator("#question")).to_contain_text("last day of the current Asan Imza validity")
    page.locator("#free-answer").fill("2026-10-31")
    shot(page, "4-date-question")
    page.get_by_role("button", name="Continue").click()
    sync_api.expect(page.locator("#question")).to_contain_text("activated the wrong type")
    choose(page, "No")
    sync_api.expect(page.locator("#question")).to_contain_text("sent the extension application")
    choose(page, "No")
    sync_api.expect(page.locator("#question")).to_contain_text("Which type of service do you want")
    choose(page, "Citizen (ferdi)")
    sync_api.expect(page.locator("#question")).to_contain_text("balance cover")
    choose(page, "Yes")
    sync_api.expect(page.locator("#question")).to_contain_text("Which type of service do you use now")
    choose(page, "Citizen")
    sync_api.expect(page.locator("#plan-badge")).to_have_text("Your plan")
    steps = page.locator("#steps > li").all_inner_texts()
    assert len(steps) == 2
    assert "SMS" in steps[0] and "8500" in steps[0] and "ferdi" in steps[0]
    assert "Certification Services Center" in steps[1]
    assert "1 November 2026" in steps[0]                 # the first day for the SMS, shown as a date
    shot(page, "5-plan-sms-then-centre")
    with page.expect_download() as download:
        page.get_by_role("link", name="Add the dates to my calendar (.ics)").click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and "DTSTART;VALUE=DATE:20261101" in ics


def test_back_and_change_an_answer(page, base):
    open_assistant(page, base)
    choose(page, "At an Azercell Exclusive office")
    sync_api.expect(page.locator("#question")).to_contain_text("Who holds the SIM card")
    page.get_by_role("button", name="Back").click()
    sync_api.expect(page.locator("#question")).to_contain_text("office, or online and by SMS?")
    choose(page, "At an Azercell Exclusive office")
    choose(page, "A company (legal entity)")
    choose(page, "A new company")
    sync_api.expect(page.locator("#plan-badge")).to_have_text("Not covered by the rules")
    # change the second answer: the questions after it are asked again
    page.get_by_role("button", name="Change: Who holds the SIM card, a person or a company?").click()
    sync_api.expect(page.locator("#question")).to_have_text("Who holds the SIM card, a person or a company?")
    choose(page, "A company (legal entity)")
    choose(page, "An existing company")
    sync_api.expect(page.locator("#plan-title")).to_have_text("The company's trustee extends at an office")


def test_the_page_works_for_another_policy(page, base):
    page.goto(f"{base}/?as_of=2026-08-01")
    sync_api.expect(page.locator("#pick")).to_be_visible()        # two policies on this server: a choice
    page.locator("#policy").select_option("library-card")
    sync_api.expect(page.locator("#title")).to_have_text("Renew a library card")
    sync_api.expect(page.locator("#question")).to_have_text("Do you owe fines?")
    choose(page, "No")
    sync_api.expect(page.locator("#question")).to_have_text("How old are you?")
    page.locator("#free-answer").fill("12")
    page.get_by_role("button", name="Continue").click()
    sync_api.expect(page.locator("#question")).to_have_text("When does your card expire?")
    page.locator("#free-answer").fill("2026-08-10")
    page.get_by_role("button", name="Continue").click()
    sync_api.expect(page.locator("#plan-title")).to_have_text("Renew with a note")
    assert page.locator("#plan-explanation").inner_text() == "Under 16, a parent signs for you."
    caveat = page.locator("#caveats li").inner_text()
    assert "The desk closes at 18:00 on weekdays." in caveat and "Opening hours of the central library" in caveat
    assert page.locator("#caveats a").get_attribute("href") == "https://library.invalid/hours"
    shot(page, "6-another-policy")
    # the same answers on another day: too early to renew, which the rules do not cover
    page.locator("#when summary").click()
    page.locator("#as-of").fill("2026-07-01")
    sync_api.expect(page.locator("#plan-badge")).to_have_text("Not covered by the rules")
    sync_api.expect(page.locator("#plan-title")).to_have_text("Too early")
    assert page.locator("#given-list dd").count() == 3
