"""The local configuration: the config file (where it lives, what it holds, how it is written) and
the HTTP read timeout from the environment. (The API base URL: ``baseurl``.)

Path: ``IMAGE_SKILL_CONFIG_PATH``, else ``$XDG_CONFIG_HOME/image-skill/config.json``, else
``~/.config/image-skill/config.json``. The file holds ``{api_base_url, token, saved_at, actor}``;
the file is 0600 and is replaced atomically (temp file in the same directory, fsync, rename), so
a reader never sees a partial file. Directories the CLI creates for it are 0700; a directory that
already exists keeps its mode. A saved token belongs to the base URL it was saved for and is never
used (or sent) for any other. ``IMAGE_SKILL_HTTP_TIMEOUT_SECONDS`` sets the read timeout (default
30 s, accepted 0 < t <= 3600; anything else is INVALID_ARGUMENTS).

``ensure_writable`` proves a save will work before anything irreversible happens elsewhere (a
signup): the path must be a regular file or absent, its directory a writable directory (permission
bits are respected even when root could ignore them), proven by creating and removing a probe file.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from image_skill.envelope import CliError
from image_skill_api.registry import ErrorCode

#: A config file larger than this is not ours (it is ignored, never read whole).
MAX_CONFIG_BYTES = 1 << 20
#: The read timeout of every HTTP exchange: the whole reply must arrive within it (see ``transport``).
TIMEOUT_VARIABLE = "IMAGE_SKILL_HTTP_TIMEOUT_SECONDS"
DEFAULT_READ_TIMEOUT = 30.0
MAX_READ_TIMEOUT = 3600.0


def config_path(env: Mapping[str, str]) -> Path:
    explicit = env.get("IMAGE_SKILL_CONFIG_PATH")
    if explicit:
        return Path(explicit).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base).expanduser() / "image-skill" / "config.json"


def read_timeout(env: Mapping[str, str]) -> float:
    """``IMAGE_SKILL_HTTP_TIMEOUT_SECONDS`` (unset or empty: the default), else INVALID_ARGUMENTS."""
    raw = (env.get(TIMEOUT_VARIABLE) or "").strip()
    if not raw:
        return DEFAULT_READ_TIMEOUT
    value = float(raw) if re.fullmatch(r"[0-9]{1,6}(\.[0-9]{0,6})?|\.[0-9]{1,6}", raw) else math.nan
    if not 0 < value <= MAX_READ_TIMEOUT:
        raise CliError(
            ErrorCode.INVALID_ARGUMENTS,
            f"{TIMEOUT_VARIABLE} must be a number of seconds above 0 and at most {MAX_READ_TIMEOUT:g} "
            f"(unset, it is {DEFAULT_READ_TIMEOUT:g}).",
            recovery={"suggested_command": f"export {TIMEOUT_VARIABLE}={DEFAULT_READ_TIMEOUT:g}"},
        )
    return value


def load(path: Path) -> dict[str, Any]:
    """The saved config, or ``{}`` when there is none or it is not a regular file holding a JSON object.

    Never blocks (a FIFO at the path) and never reads more than ``MAX_CONFIG_BYTES`` (a device).
    """
    import stat

    from image_skill.validate import loads_bounded

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return {}
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return {}
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            return {}
        loaded = loads_bounded(raw)
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _write_failed(path: Path, reason: str) -> CliError:
    return CliError(
        ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED,
        f"The config file could not be written ({reason}); "
        "set IMAGE_SKILL_CONFIG_PATH to a writable location.",
    )


def _make_directories(directory: Path) -> None:
    """Create ``directory`` and its missing parents, each 0700; existing ones are left as they are."""
    missing: list[Path] = []
    current = directory
    while not os.path.lexists(current):
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for created in reversed(missing):
        try:
            os.mkdir(created, 0o700)
        except FileExistsError:
            continue  # someone else made it meanwhile: not ours to chmod
        os.chmod(created, 0o700)  # mkdir's mode is filtered by the umask


def _has_write_bit(st: os.stat_result) -> bool:
    return bool(st.st_mode & 0o222)


def ensure_writable(path: Path) -> None:
    """Fail (PUBLIC_CLI_CONFIG_WRITE_FAILED) unless ``save(path, …)`` will succeed; no side effect
    other than creating the missing directories (0700)."""
    import stat

    from image_skill.validate import is_utf8

    if not is_utf8(str(path)):
        raise _write_failed(path, "the path is not valid UTF-8")
    directory = path.parent
    try:
        _make_directories(directory)
    except OSError as exc:
        raise _write_failed(path, f"its directory cannot be created: {exc.strerror or 'error'}") from None
    try:
        directory_stat = os.stat(directory)
    except OSError as exc:
        raise _write_failed(path, f"its directory is unusable: {exc.strerror or 'error'}") from None
    if not stat.S_ISDIR(directory_stat.st_mode):
        raise _write_failed(path, "a parent of it is not a directory")
    if not os.access(directory, os.W_OK | os.X_OK) or not _has_write_bit(directory_stat):
        raise _write_failed(path, "its directory is read-only")
    try:
        entry = os.lstat(path)
    except FileNotFoundError:
        entry = None
    except OSError as exc:
        raise _write_failed(path, exc.strerror or "the path is unusable") from None
    if entry is not None:
        if stat.S_ISLNK(entry.st_mode):
            try:
                entry = os.stat(path)
            except OSError:
                entry = None  # a dangling link: the save replaces the link itself
        if entry is not None and stat.S_ISDIR(entry.st_mode):
            raise _write_failed(path, "the path is a directory")
        if entry is not None and not stat.S_ISREG(entry.st_mode):
            raise _write_failed(path, "the path is not a regular file")
        if entry is not None and (not os.access(path, os.W_OK) or not _has_write_bit(entry)):
            raise _write_failed(path, "the existing file is read-only")
    try:
        fd, probe = tempfile.mkstemp(prefix=".config-", suffix=".probe", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _write_failed(path, exc.strerror or "its directory is not writable") from None


def save(path: Path, content: Mapping[str, Any]) -> None:
    """Atomically replace the config with ``content`` (a 0600 file; see ``ensure_writable``)."""
    ensure_writable(path)
    tmp_name = None
    try:
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
