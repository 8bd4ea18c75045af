"""Browser harness: the system's headless Chromium (``/usr/bin/chromium`` and its chromedriver, from
the distribution's packages; ``.ci/run`` installs them) driven by Selenium against a real
``image-skill-mock serve --strict``. Every test here is skipped, with the reason, when Selenium,
Chromium or chromedriver is missing - except under ``IMAGE_SKILL_REQUIRE_BROWSER=1`` (``.ci/run``,
which installs them), where that is a failure; a browser is never downloaded."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
import requests

from image_skill_mock.demo import running_server

SECRET = "whsec_browser0123456789abcdef01234567"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def _chromium() -> str | None:
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def _missing(reason: str) -> NoReturn:
    """Skip (a machine without a browser), or fail where one was installed for these tests."""
    if os.environ.get("IMAGE_SKILL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"IMAGE_SKILL_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_binaries() -> tuple[str, str]:
    if importlib.util.find_spec("selenium") is None:
        _missing("selenium is not installed (it is in noxfile.py's TEST_DEPS)")
    chromium, driver = _chromium(), shutil.which("chromedriver")
    if chromium is None or driver is None:
        _missing(
            "no system Chromium/chromedriver (install the distribution's chromium and chromium-driver"
            " packages, as .ci/run does)"
        )
    return chromium, driver


@pytest.fixture
def browser(browser_binaries: tuple[str, str]) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = browser_binaries
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1024,900",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(argument)  # fmt: skip
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class Shop:
    """A running mock with one signed-up agent that can quote and buy."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        signup = requests.post(
            base_url + "/v1/agent-signups",
            json={"agent_contact": "browser@example.com", "agent_name": "browser", "return_token": True},
            timeout=30,
        ).json()
        self.headers = {"authorization": "Bearer " + signup["data"]["token"]}
        self.count = 0

    def buy(self, credits: int = 500) -> dict[str, Any]:
        self.count += 1
        quote = requests.post(
            self.base_url + "/v1/credit-quotes", headers=self.headers, timeout=30,
            json={"credits": credits, "payment_method": "stripe_checkout",
                  "idempotency_key": f"q-{self.count}"},
        ).json()["data"]  # fmt: skip
        bought: dict[str, Any] = requests.post(
            self.base_url + "/v1/credit-purchases/stripe-checkout-sessions", headers=self.headers, timeout=30,
            json={"quote_id": quote["quote_id"], "idempotency_key": f"b-{self.count}"},
        ).json()["data"]  # fmt: skip
        return bought

    def status(self, attempt_id: str) -> dict[str, Any]:
        data: dict[str, Any] = requests.get(
            self.base_url + "/v1/credit-purchases/status", headers=self.headers, timeout=30,
            params={"payment_attempt_id": attempt_id},
        ).json()["data"]  # fmt: skip
        return data

    def paid_credits(self) -> int:
        quota = requests.get(self.base_url + "/v1/quota", headers=self.headers, timeout=30).json()["data"]
        return int(quota["limits"]["payment_backed_remaining_credits"])


@pytest.fixture
def shop(browser_binaries: tuple[str, str], tmp_path: Path) -> Iterator[Shop]:
    with running_server(
        tmp_path / "shop.sqlite3", extra_args=("--strict", "--webhook-secret", SECRET)
    ) as url:
        yield Shop(url)
