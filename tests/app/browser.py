"""Drive the real dashboard in headless Chromium: start ``streamlit run``, open views, take screenshots.

Used by ``tests/test_browser.py`` and by hand::

    python -m tests.app.browser --out /tmp/shots            # seeds corpus, every view
    DASHBOARD_RESULTS_DIR=/tmp/res python -m tests.app.browser --out /tmp/shots --corpus synth

Needs Debian ``chromium`` and ``chromium-driver`` (or ``CHROME_BIN`` / ``CHROMEDRIVER``) and the
``selenium`` package. Each screenshot is taken once the page has stopped running and the
expected element (a Plotly chart, the side-by-side columns, ...) is on screen.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
CHROME_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium() -> tuple[str, str] | None:
    """Return (browser binary, chromedriver) when both are installed, else ``None``."""
    binary = os.environ.get("CHROME_BIN") or next((p for c in CHROME_CANDIDATES if (p := shutil.which(c))), None)
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


def missing_reason() -> str | None:
    """Return why browser tests cannot run here (``None`` when they can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    if chromium() is None:
        return "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
    return None


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str] | None = None, timeout: float = 90) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``streamlit run dashboard.py`` headless on a free port; yield (base URL, process)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = open(os.environ.get("STREAMLIT_LOG", os.devnull), "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} within {timeout}s")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def browser(width: int = 1440, height: int = 1000):
    """Yield a headless Chromium selenium driver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium() or (None, None)
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--hide-scrollbars", f"--window-size={width},{height}"):
        opts.add_argument(arg)
    opts.binary_location = binary
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def wait_rendered(driver, css: str | None, timeout: float = 60) -> float:
    """Wait until the script has finished and ``css`` (if given) is on the page; return seconds waited."""
    from selenium.webdriver.common.by import By

    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        running = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidgetRunningIcon"]')
        app = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stApp"]')
        ready = app and app[0].get_attribute("data-test-script-state") != "running" and not running
        if ready and (css is None or driver.find_elements(By.CSS_SELECTOR, css)):
            time.sleep(0.8)  # let Plotly finish laying out
            return time.monotonic() - t0
        time.sleep(0.2)
    raise TimeoutError(f"page not rendered within {timeout}s (waiting for {css!r})")


def page_errors(driver) -> list[str]:
    """Return the text of Streamlit error and exception boxes on the page."""
    from selenium.webdriver.common.by import By

    boxes = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"], [data-testid="stAlertContentError"]')
    return [b.text for b in boxes]


def full_screenshot(driver, path: Path, max_height: int = 5000) -> Path:
    """Resize the window to the page's content height and save a PNG."""
    height = driver.execute_script(
        "const m = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
        "return Math.max(m ? m.scrollHeight + 120 : 0, document.body.scrollHeight);")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(int(height) + 40, max_height))
    time.sleep(0.6)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    return path


def click_matrix_cell(driver, index: int, chart: int = 0) -> None:
    """Click the ``index``-th cell (row-major) of the ``chart``-th matrix on the page, where a user would."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.by import By

    plot = driver.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")[chart]
    points = plot.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace:last-child .point")
    x, y = driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                 "return [r.x + r.width / 2, r.y + r.height / 2];", points[index])
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(x), int(y))
    actions.pointer_action.click()
    actions.perform()
    time.sleep(1.0)


def selectbox_values(driver) -> dict[str, str]:
    """Return label → shown value of every selectbox on the page."""
    from selenium.webdriver.common.by import By

    return {box.get_attribute("aria-label"): box.get_attribute("value")
            for box in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"] input[role="combobox"]')}


#: (file name, query string, CSS of the element that must be there)
VIEWS = {
    "matrix": ({"tab": "Matrix"}, ".js-plotly-plot"),
    "compare": ({"tab": "Compare", "cmp_target": "Iran"}, '[data-testid="stColumn"] .excerpt'),
    "documents": ({"tab": "Documents"}, ".js-plotly-plot"),
    "drilldown": ({"tab": "Drill-down"}, ".doctext"),
    "time": ({"tab": "Time"}, None),
    "upload": ({"tab": "Add documents"}, '[data-testid="stFileUploader"]'),
    "export": ({"tab": "Export"}, '[data-testid="stDownloadButton"]'),
}


def take(driver, base: str, name: str, params: dict, css: str | None, out: Path) -> tuple[Path, float, list[str]]:
    """Open one view, wait for it, screenshot it; return (png, seconds to render, error texts)."""
    driver.set_window_size(1440, 1000)
    driver.get(f"{base}/?{urlencode(params, doseq=True)}")
    seconds = wait_rendered(driver, css)
    return full_screenshot(driver, out / f"{name}.png"), seconds, page_errors(driver)


def main(argv: list[str] | None = None) -> int:
    """Screenshot every view of a corpus; print render times and the server's memory."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.environ.get("DASHBOARD_SCREENSHOTS", "/tmp/stance-screenshots"))
    ap.add_argument("--corpus", default="seeds")
    ap.add_argument("--compare", nargs="*", default=["Trending-news blog", "Afghan analysis site"],
                    help="sources to compare (default: two seeds outlets)")
    args = ap.parse_args(argv)
    reason = missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    out = Path(args.out)
    t0 = time.monotonic()
    with streamlit_server() as (base, proc), browser() as driver:
        print(f"server up in {time.monotonic() - t0:.1f}s")
        for visit in ("first visit (cold: imports, reading tables)", "second visit (warm)"):
            _, seconds, _ = take(driver, base, "matrix", {"corpus": args.corpus}, ".js-plotly-plot", out)
            print(f"matrix, {visit}: {seconds:.1f}s to render")
        for name, (params, css) in VIEWS.items():
            params = {"corpus": args.corpus, **params}
            if name == "compare" and args.compare:
                params["compare"] = args.compare
            png, seconds, errors = take(driver, base, name, params, css, out)
            print(f"{name:10s} {seconds:5.1f}s  {png}" + (f"  ERRORS: {errors}" if errors else ""))
        print(f"server RSS {rss_mb(proc.pid):.0f} MB, peak {rss_mb(proc.pid, 'VmHWM'):.0f} MB")
    return 0


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Return a process's resident memory (``VmRSS``) or its peak (``VmHWM``) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
