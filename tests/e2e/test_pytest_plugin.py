"""The pytest plugin (issue 16), as another project uses it: pytest runs a small foreign test file
that knows nothing of this repository but the installed plugin's fixtures (``pytester``, in a
subprocess, so the plugin is found through its ``pytest11`` entry point)."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)

FOREIGN_TESTS = """
import pytest


def test_a_create_fails_twice_then_succeeds(image_skill_mock, image_skill_agent):
    image_skill_mock.fault("provider_failed", times=2)
    runs = [image_skill_agent.run("create", "--prompt", "a red bicycle")]
    while runs[-1].exit_code != 0 and len(runs) < 3:
        runs.append(image_skill_agent.run("create", "--prompt", "a red bicycle"))
    assert runs[-1].exit_code == 0, runs[-1].envelope
    journal = image_skill_mock.journal(agent_id=image_skill_agent.agent_id)
    creates = [e for e in journal if e["operation"] == "createImage"]
    assert [e["status"] for e in creates] == [502, 502, 200]
    [last] = image_skill_mock.journal(trace_id=runs[-1].envelope["trace_id"])
    assert last["delta"][image_skill_agent.agent_id]["jobs"] == 1


def test_time_moves_only_when_told(image_skill_mock, image_skill_agent):
    quota = image_skill_agent.run("usage", "quota").data
    resets_at = quota["daily_jobs"]["resets_at"]
    assert image_skill_agent.run("usage", "quota").data["daily_jobs"]["resets_at"] == resets_at
    image_skill_mock.advance(hours=25)
    assert image_skill_agent.run("usage", "quota").data["daily_jobs"]["resets_at"] > resets_at


def test_paying_grants_the_credits(image_skill_mock, image_skill_agent):
    before = image_skill_agent.run("usage", "quota").data["limits"]["total_remaining_credits"]
    quote = image_skill_agent.run("credits", "quote", "--credits", "500")
    assert quote.exit_code == 0, quote.envelope
    buy = ("credits", "buy", "--provider", "stripe", "--quote-id", quote.data["quote_id"])
    buy += ("--idempotency-key", "buy-1")
    bought = image_skill_agent.run(*buy)
    assert bought.exit_code == 0, bought.envelope
    assert image_skill_mock.pay(bought.data["payment_attempt_id"])["outcome"] == "granted"
    assert image_skill_agent.run("usage", "quota").data["limits"]["total_remaining_credits"] == before + 500


def test_each_test_gets_its_own_agent_and_reset_forgets_one(image_skill_mock, image_skill_agent, tmp_path):
    other = image_skill_mock.signup(tmp_path / "other")
    assert other.agent_id != image_skill_agent.agent_id
    assert str(image_skill_agent.config_path).startswith(str(tmp_path))
    image_skill_mock.reset(agent_id=other.agent_id)
    assert other.run("whoami").exit_code == 3
    assert image_skill_agent.run("whoami").exit_code == 0
    assert image_skill_mock.base_url.startswith("http://127.0.0.1:")
    assert image_skill_mock.webhook_secret.startswith("whsec_")
"""


def test_a_foreign_suite_uses_only_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_foreign=FOREIGN_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--image-skill-mock-args=--strict", "-q")
    result.assert_outcomes(passed=4)


def test_the_plugin_can_use_a_running_server(pytester: pytest.Pytester, server: str) -> None:
    pytester.makepyfile(
        test_remote=f"""
def test_it_is_the_given_server(image_skill_mock):
    assert image_skill_mock.base_url == {server!r}
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--image-skill-mock-url={server}", "-q")
    result.assert_outcomes(passed=1)
