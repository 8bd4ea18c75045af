"""The mock's test-mode checkout page in a real headless Chromium, opened through the copy-safe
``checkout_handoff_url``: a successful payment, a declined card then a good one, insufficient funds,
and a checkout URL whose ``#`` fragment was trimmed (no form, and no payment even when forced)."""

from __future__ import annotations

from typing import Any

from .conftest import Shop

WAIT = 20


def wait_for(driver: Any, predicate: Any) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(predicate)


def visible(driver: Any, element_id: str) -> bool:
    from selenium.webdriver.common.by import By

    return bool(driver.find_element(By.ID, element_id).is_displayed())


def text(driver: Any, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.ID, element_id).text)


def fill(driver: Any, card: str) -> None:
    from selenium.webdriver.common.by import By

    for element_id, value in (("card-number", card), ("expiry", "12 / 34"), ("cvc", "123")):
        field = driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)
    driver.find_element(By.ID, "pay").click()


def open_checkout(driver: Any, url: str) -> None:
    driver.get(url)
    wait_for(driver, lambda d: visible(d, "payment-form") or visible(d, "link-error"))


def test_paying_through_the_handoff_url_grants_the_credits(browser: Any, shop: Shop) -> None:
    bought = shop.buy(500)
    open_checkout(browser, bought["checkout_handoff_url"])
    assert browser.current_url == bought["checkout_url"]  # the redirect kept the whole fragment
    assert "TEST MODE" in text(browser, "test-mode")
    assert text(browser, "amount") == "$5.00 USD"
    assert text(browser, "credits").startswith("500 credits")
    assert visible(browser, "payment-form")
    fill(browser, "4242 4242 4242 4242")
    wait_for(browser, lambda d: visible(d, "status") and "succeeded" in text(d, "status"))
    assert not visible(browser, "payment-form")
    assert shop.status(bought["payment_attempt_id"])["state"] == "succeeded"
    assert shop.paid_credits() == 500


def test_a_declined_card_leaves_the_session_open_for_another(browser: Any, shop: Shop) -> None:
    bought = shop.buy(137)
    open_checkout(browser, bought["checkout_handoff_url"])
    fill(browser, "4000 0000 0000 0002")
    wait_for(browser, lambda d: visible(d, "message"))
    assert "declined" in text(browser, "message")
    assert visible(browser, "payment-form")
    assert shop.status(bought["payment_attempt_id"])["state"] == "action_required"
    assert shop.paid_credits() == 0
    fill(browser, "4242424242424242")
    wait_for(browser, lambda d: visible(d, "status") and "succeeded" in text(d, "status"))
    assert shop.paid_credits() == 137


def test_insufficient_funds_is_refused(browser: Any, shop: Shop) -> None:
    bought = shop.buy(50)
    open_checkout(browser, bought["checkout_handoff_url"])
    fill(browser, "4000000000009995")
    wait_for(browser, lambda d: visible(d, "message"))
    assert "insufficient funds" in text(browser, "message")
    assert shop.status(bought["payment_attempt_id"])["state"] == "action_required"


def test_a_trimmed_fragment_shows_no_form_and_cannot_pay(browser: Any, shop: Shop) -> None:
    bought = shop.buy(500)
    trimmed = bought["checkout_url"].partition("#")[0]
    open_checkout(browser, trimmed)
    assert visible(browser, "link-error")
    assert "incomplete" in text(browser, "link-error")
    assert not visible(browser, "payment-form")
    # Even a form forced into view cannot pay: the server checks the fragment's secret too.
    browser.execute_script("document.getElementById('payment-form').hidden = false;")
    fill(browser, "4242424242424242")
    wait_for(browser, lambda d: visible(d, "message"))
    assert "incomplete" in text(browser, "message")
    altered = bought["checkout_url"][:-4] + "AAAA"
    open_checkout(browser, altered)
    assert visible(browser, "link-error")
    assert not visible(browser, "payment-form")
    assert shop.status(bought["payment_attempt_id"])["state"] == "action_required"
    assert shop.paid_credits() == 0
