"""The real dashboard in headless Chromium: matrix and side-by-side screenshots, no error boxes.

Screenshots go to ``$DASHBOARD_SCREENSHOTS`` (default: a pytest temporary folder). Skipped,
with the reason, when selenium or Chromium/chromedriver are not installed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.app import browser
from tests.app.dashboard_data import write_corpus

REASON = browser.missing_reason()
pytestmark = [
    pytest.mark.skipif(REASON is not None, reason=f"browser test needs Chromium: {REASON}"),
    pytest.mark.browser, pytest.mark.slow,
]


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("DASHBOARD_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One streamlit server over a copy of the seeds results and a synthetic multi-outlet corpus."""
    root = tmp_path_factory.mktemp("results")
    shutil.copytree(browser.REPO / "results" / "seeds", root / "seeds")
    write_corpus(root, "synth")
    with browser.streamlit_server(env={"DASHBOARD_RESULTS_DIR": str(root)}) as (url, proc), browser.browser() as driver:
        yield url, proc, driver


def _png_ok(path: Path) -> None:
    assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000


def test_matrix_view_screenshot(served, shots):
    url, proc, driver = served
    png, seconds, errors = browser.take(driver, url, "matrix", {"corpus": "seeds"}, ".js-plotly-plot", shots)
    _png_ok(png)
    assert not errors, errors
    assert "Trending-news blog" in driver.page_source and "not mentioned" in driver.page_source
    print(f"matrix rendered in {seconds:.1f}s; server RSS {browser.rss_mb(proc.pid):.0f} MB")


def test_clicking_a_cell_shows_its_evidence(served, shots):
    url, _, driver = served
    browser.take(driver, url, "matrix_before_click", {"corpus": "seeds"}, ".js-plotly-plot", shots)
    assert browser.selectbox_values(driver)["Target"] == "Iran"
    browser.click_matrix_cell(driver, 3 * 3 + 2)  # 4th row, 3rd target (Israel)
    browser.wait_rendered(driver, ".js-plotly-plot")
    picked = browser.selectbox_values(driver)
    assert picked["Target"] == "Israel" and picked["Source"] != "Afghan analysis site", picked
    assert not browser.page_errors(driver)
    browser.full_screenshot(driver, shots / "matrix_after_click.png")


def test_side_by_side_screenshot(served, shots):
    url, _, driver = served
    params = {"corpus": "seeds", "tab": "Compare", "cmp_target": "Iran",
              "compare": ["Trending-news blog", "Afghan analysis site"]}
    png, _, errors = browser.take(driver, url, "compare", params, '[data-testid="stColumn"] .excerpt', shots)
    _png_ok(png)
    assert not errors, errors
    assert driver.page_source.count('class="excerpt"') >= 4


def test_script_document_is_inert_in_the_browser(served, shots):
    url, _, driver = served
    png, _, errors = browser.take(driver, url, "drilldown_script", {"corpus": "synth", "tab": "Drill-down", "doc": "xss-1"},
                                  ".doctext", shots)
    _png_ok(png)
    assert not errors, errors
    from selenium.webdriver.common.by import By

    text = driver.find_element(By.CSS_SELECTOR, ".doctext").text
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(2)>" in text
    assert not driver.find_elements(By.CSS_SELECTOR, ".doctext script, .doctext img")


def test_many_outlets_time_view_screenshot(served, shots):
    url, _, driver = served
    png, _, errors = browser.take(driver, url, "time_rating", {"corpus": "synth", "tab": "Time", "group": "rating"},
                                  ".js-plotly-plot", shots)
    _png_ok(png)
    assert not errors, errors
