"""The explorer page driven in a real headless browser (Debian's chromium and its driver), as a
student would use it: two drugs against no treatment, the charts drawn, the numbers equal the
command line's, the link reproduces the run, the downloaded scenario runs to the same numbers."""

from __future__ import annotations

import html
import os
import re
import shutil
import urllib.parse

import pytest

from conftest import _binary
from serve_helpers import server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("the browser test needs chromium and chromedriver (.ci/run installs them)")
    pytest.skip("chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,2000"]:
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def url():
    with server(_binary()) as (u, _):
        yield u


def wait_state(driver, state, timeout=120):
    WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state") in (state, "error"))
    got = driver.find_element(By.TAG_NAME, "body").get_attribute("data-state")
    assert got == state, driver.find_element(By.ID, "status").text


def table(driver):
    rows = driver.find_elements(By.CSS_SELECTOR, "#key-table tbody tr")
    return {r.get_attribute("data-arm"): r.find_element(By.CSS_SELECTOR, "td.median").text for r in rows}


def cli_medians(report):
    """Arm -> median survival text of report.html's key numbers."""
    text = report.read_text()
    section = text[text.index("Key numbers per arm"):]
    out = {}
    for m in re.finditer(r"<tr><td>([^<]+)</td><td>\d+</td><td>\d+</td><td>([^<]+)</td>", section):
        out[html.unescape(m.group(1))] = html.unescape(m.group(2))
    return out


def test_two_drugs_against_no_treatment(browser, url, cli, tmp_path):
    browser.get(url)
    wait_state(browser, "ready")
    # The page starts with an untreated arm and riluzole; add edaravone as a third arm.
    browser.find_element(By.ID, "add-arm").click()
    arms = browser.find_elements(By.CSS_SELECTOR, "#arms .arm")
    assert len(arms) == 3
    Select(arms[2].find_element(By.CSS_SELECTOR, "select.drug-name")).select_by_value("edaravone-iv")
    patients = browser.find_element(By.ID, "patients")
    patients.clear()
    patients.send_keys("800")
    seed = browser.find_element(By.ID, "seed")
    seed.clear()
    seed.send_keys("7")
    browser.find_element(By.ID, "run").click()
    wait_state(browser, "done")

    assert len(browser.find_elements(By.CSS_SELECTOR, "svg[data-chart=fan]")) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg[data-chart=survival] path.km")) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg[data-chart=fan] polygon.band")) == 6
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg[data-chart=benefit]")) == 2
    assert len(browser.find_elements(By.CSS_SELECTOR, "#at-risk tbody tr")) == 3
    medians = table(browser)
    assert list(medians) == ["untreated", "riluzole", "edaravone-iv"]

    # The downloaded scenario, run by the command line, gives the same median survival.
    href = browser.find_element(By.ID, "download").get_attribute("href")
    assert href.startswith("data:application/toml")
    toml = urllib.parse.unquote(href.split(",", 1)[1])
    path = tmp_path / "explorer.toml"
    path.write_text(toml)
    cli("run", path, "--quiet", "--out", tmp_path / "out")
    from_cli = cli_medians(tmp_path / "out" / "report.html")
    assert from_cli == {arm: text for arm, text in medians.items()}, (from_cli, medians)

    # The URL holds the state: opening it again reproduces the run.
    link = browser.current_url
    assert "?q=" in link
    browser.get("about:blank")
    browser.get(link)
    wait_state(browser, "done")
    assert table(browser) == medians
    assert browser.find_element(By.ID, "patients").get_attribute("value") == "800"


def test_a_bad_request_says_what_is_wrong(browser, url):
    browser.get(url)
    wait_state(browser, "ready")
    patients = browser.find_element(By.ID, "patients")
    patients.clear()
    patients.send_keys("999999")
    browser.find_element(By.ID, "run").click()
    wait_state(browser, "error")
    status = browser.find_element(By.ID, "status").text
    assert "patients" in status and "5000" in status


def test_the_page_loads_nothing_from_elsewhere(browser, url):
    browser.get(url)
    wait_state(browser, "ready")
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    host = urllib.parse.urlparse(url).netloc
    assert resources and all(urllib.parse.urlparse(r).netloc == host for r in resources), resources
    # Every control has a label.
    unlabelled = browser.execute_script(
        "return [...document.querySelectorAll('input, select')].filter(e => !e.labels || e.labels.length === 0).map(e => e.id)")
    assert unlabelled == []


def test_the_drug_card_shows_the_exposure_chain_and_its_resistance(browser, url):
    browser.get(url)
    wait_state(browser, "ready")
    # The page starts with riluzole in its second arm, and its card is shown.
    card = browser.find_element(By.ID, "drug-info").text
    assert "About Riluzole (riluzole)" in card, card
    assert "In the blood 1.5 µM at steady state" in card, card
    assert "taken with food, 80% of that" in card, card
    assert "In the spinal cord and brainstem 5.25 µM" in card, card
    assert "efflux-induction: up to 30% of the drug's exposure in the nervous system lost" in card, card
    # A drug without documented kinetics says only what it has.
    arms = browser.find_elements(By.CSS_SELECTOR, "#arms .arm")
    Select(arms[1].find_element(By.CSS_SELECTOR, "select.drug-name")).select_by_value("masitinib")
    card = browser.find_element(By.ID, "drug-info").text
    assert "About Masitinib" in card and "dosing interval" not in card, card
    # "Taken with food" is offered only for a drug with a documented food effect.
    food_row = arms[1].find_element(By.CSS_SELECTOR, ".food-row")
    assert not food_row.is_displayed()
    Select(arms[1].find_element(By.CSS_SELECTOR, "select.drug-name")).select_by_value("riluzole")
    assert food_row.is_displayed()
    arms[1].find_element(By.CSS_SELECTOR, "input.with-food").click()
    request = browser.execute_script("return readForm()")
    assert request["arms"][1]["drugs"][0].get("with_food") is True, request
