"""Playwright fixtures for the web chat. Run by scripts/browser_test.sh, which starts the
servers and sets WEBCHAT_URL; a plain `pytest tests` skips these tests."""
import os
from pathlib import Path

import pytest

from bot import VAR_DIR

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WEBCHAT_URL = os.environ.get("WEBCHAT_URL")
SCREENSHOTS = Path(VAR_DIR) / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if WEBCHAT_URL:
        return
    skip = pytest.mark.skip(reason="browser test: run `bash scripts/browser_test.sh` (starts the servers, needs chromium)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def context(playwright_instance, tmp_path):
    """A fresh browser profile (user-data-dir) per test: empty localStorage."""
    ctx = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1000, "height": 800},
    )
    ctx.set_default_timeout(30000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.pages[0] if context.pages else context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def url():
    return WEBCHAT_URL.rstrip("/") + "/"


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "page" in item.funcargs:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        item.funcargs["page"].screenshot(path=str(SCREENSHOTS / f"failed-{item.name}.png"))
