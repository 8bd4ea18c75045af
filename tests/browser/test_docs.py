"""``/docs`` in a real headless Chromium (issue 16): the spec rendered readably, offline. The page
loads nothing but itself (no script, no CDN: the browser's resource log holds the page alone), and
every operation of the spec is a titled, linked section a reader can jump to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from image_skill_api.operations import OPERATIONS
from image_skill_mock.demo import running_server


@pytest.fixture
def docs_server(browser_binaries: tuple[str, str], tmp_path: Path) -> Iterator[str]:
    with running_server(tmp_path / "docs.sqlite3", extra_args=("--strict",)) as url:
        yield url


def test_the_docs_page_renders_every_operation_offline(browser: Any, docs_server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(docs_server + "/docs")
    assert "Image Skill" in browser.title
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == []  # nothing fetched beyond the page: it works offline
    assert browser.find_elements(By.TAG_NAME, "script") == []
    for op in OPERATIONS.values():
        section = browser.find_element(By.ID, op.operation_id)
        assert section.is_displayed()
        assert op.path in section.text
        assert op.command in section.text
    link = browser.find_element(By.CSS_SELECTOR, 'a[href="#createImage"]')
    link.click()
    assert browser.execute_script("return location.hash") == "#createImage"
    assert browser.find_element(By.ID, "errors").is_displayed()
    assert "INVALID_ARGUMENTS" in browser.find_element(By.TAG_NAME, "body").text
