"""The local config file: where it lives, what it holds, and how it is written.

Path: ``IMAGE_SKILL_CONFIG_PATH``, else ``$XDG_CONFIG_HOME/image-skill/config.json``, else
``~/.config/image-skill/config.json``. The file holds ``{api_base_url, token, saved_at, actor}``;
the directory is 0700, the file 0600, and it is replaced atomically (temp file in the same
directory, fsync, rename), so a reader never sees a partial file. A saved token belongs to the
base URL it was saved for and is never used (or sent) for any other.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from image_skill.envelope import CliError
from image_skill_api.registry import ErrorCode


def config_path(env: Mapping[str, str]) -> Path:
    explicit = env.get("IMAGE_SKILL_CONFIG_PATH")
    if explicit:
        return Path(explicit).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base).expanduser() / "image-skill" / "config.json"


def normalize_base_url(url: str) -> str:
    return url.strip().rstrip("/")


def load(path: Path) -> dict[str, Any]:
    """The saved config, or ``{}`` when there is none or it cannot be read as a JSON object."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _write_failed(path: Path, reason: str) -> CliError:
    return CliError(
        ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED,
        f"The config file could not be written ({reason}); "
        "set IMAGE_SKILL_CONFIG_PATH to a writable location.",
    )


def ensure_writable(path: Path) -> None:
    """Fail before any side effect elsewhere when the config could not be saved."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_failed(path, exc.strerror or "directory not creatable") from None
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise _write_failed(path, "not writable")


def save(path: Path, content: Mapping[str, Any]) -> None:
    """Atomically replace the config with ``content`` (0600 file in a 0700 directory)."""
    ensure_writable(path)
    tmp_name = None
    try:
        os.chmod(path.parent, 0o700)
        fd, tmp_name = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump(content, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise _write_failed(path, exc.strerror or "write failed") from None
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)
