"""Where the token comes from (stdin > environment > the config saved for this base URL), and that a
saved token never goes to another base URL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import TOKEN, Reply, Run, Script, envelope


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
