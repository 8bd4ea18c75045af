"""Where the token comes from (stdin > environment > the config saved for this base URL), and that a
saved token never goes to another base URL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import SIGNUP, TOKEN, Reply, Run, Script, envelope


def test_saved_token_is_never_sent_to_another_base_url(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    config = home / "cfg" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"api_base_url": "https://elsewhere.example", "token": TOKEN}))
    result = run_cli("whoami", "--api-base-url", base)
    assert result.code == ExitCode.AUTH
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED
    assert "another API base URL" in result.error["message"]
    assert script.seen == []
    assert TOKEN not in result.stdout


def test_token_precedence_stdin_then_env_then_config(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(200, envelope({"who": "me"})))
    config = home / "cfg" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"api_base_url": base + "/", "token": "isk_r_saved_token_aaaaaaaaaaaaaaa"}))
    run_cli("whoami", "--api-base-url", base)
    run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": "isk_r_env_token_bbbbbbbbbbbbbbbbbb"})
    result = run_cli(
        "whoami",
        "--token-stdin",
        "--api-base-url",
        base,
        env={"IMAGE_SKILL_TOKEN": "isk_r_env_token_bbbbbbbbbbbbbbbbbb"},
        stdin="isk_r_stdin_token_ccccccccccccccccc\n",
    )
    sent = [seen.headers["authorization"] for seen in script.seen]
    assert sent == [
        "Bearer isk_r_saved_token_aaaaaaaaaaaaaaa",
        "Bearer isk_r_env_token_bbbbbbbbbbbbbbbbbb",
        "Bearer isk_r_stdin_token_ccccccccccccccccc",
    ]
    assert "isk_r_" not in result.stdout


# ------------------------------------------------------------------ one token per base URL
OTHER_TOKEN = "isk_r_other_api_token_zzzzzzzzzzzzzzzz"


def test_signup_against_a_second_url_keeps_the_first_usable(
    http: tuple[str, Script],
    other_http: tuple[str, Script],
    run_cli: Callable[..., Run],
    home: Path,
) -> None:
    first, first_script = http
    second, second_script = other_http
    first_script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    second_script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": OTHER_TOKEN, "actor": None})))
    for script in (first_script, second_script):
        script.on("GET", "/v1/whoami", Reply(200, envelope({"who": "me"})))
    assert run_cli(*SIGNUP, "--api-base-url", first).code == ExitCode.OK
    assert run_cli(*SIGNUP, "--api-base-url", second + "/").code == ExitCode.OK
    assert run_cli("whoami", "--api-base-url", first).code == ExitCode.OK
    assert run_cli("whoami", "--api-base-url", second).code == ExitCode.OK
    assert first_script.seen[-1].headers["authorization"] == f"Bearer {TOKEN}"
    assert second_script.seen[-1].headers["authorization"] == f"Bearer {OTHER_TOKEN}"
    saved = json.loads((home / "cfg" / "config.json").read_text())
    assert sorted(saved["profiles"]) == sorted([first, second])


def test_an_old_single_token_file_is_kept_as_its_profile_by_the_next_save(
    http: tuple[str, Script], other_http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    first, first_script = http
    second, second_script = other_http
    config = home / "cfg" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"api_base_url": first, "token": TOKEN, "saved_at": "t", "actor": None}))
    second_script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": OTHER_TOKEN, "actor": None})))
    first_script.on("GET", "/v1/whoami", Reply(200, envelope({"who": "me"})))
    assert run_cli(*SIGNUP, "--api-base-url", second).code == ExitCode.OK
    assert run_cli("whoami", "--api-base-url", first).code == ExitCode.OK
    assert first_script.seen[-1].headers["authorization"] == f"Bearer {TOKEN}"
    profiles = json.loads(config.read_text())["profiles"]  # the old top level is now a profile
    assert {name: p["token"] for name, p in profiles.items()} == {first: TOKEN, second: OTHER_TOKEN}


def test_profile_keys_name_one_api_however_it_is_spelled() -> None:
    from image_skill import config

    assert config.profile_key("HTTP://Example.COM:80/") == config.profile_key("http://example.com")
    assert config.profile_key("https://example.com:8443/api/") == "https://example.com:8443/api"
    assert config.profile_key("http://example.com:8080") != config.profile_key("http://example.com")


def test_a_profile_whose_url_disagrees_with_its_key_is_never_used(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    config = home / "cfg" / "config.json"
    config.parent.mkdir(parents=True)
    profile = {"api_base_url": "https://elsewhere.example", "token": TOKEN}
    config.write_text(json.dumps({"profiles": {base: profile}}))
    result = run_cli("whoami", "--api-base-url", base)
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED
    assert script.seen == []
