"""The local configuration: the config file (where it lives, what it holds, how it is written) and
the HTTP read timeout from the environment. (The API base URL: ``baseurl``.)

Path: ``IMAGE_SKILL_CONFIG_PATH``, else ``$XDG_CONFIG_HOME/image-skill/config.json``, else
``~/.config/image-skill/config.json``. The file holds one token per API base URL:
``{"profiles": {<profile_key(base URL)>: {api_base_url, token, saved_at, actor}}}``. A file of the
older shape (one ``{api_base_url, token, saved_at, actor}`` at the top level) is read as that one
profile, and is rewritten in the new shape by the next save, which keeps every other profile (and
mirrors the profile it saved at the top level, for older readers).
A saved token belongs to the base URL it was saved for and is never used (or sent) for any other
(``token_for``). The file is 0600 and is replaced atomically (temp file in the same directory,
fsync, rename), so a reader never sees a partial file. Directories the CLI creates for it are
0700; a directory that already exists keeps its mode. ``IMAGE_SKILL_HTTP_TIMEOUT_SECONDS`` sets the
read timeout (default 30 s, accepted 0 < t <= 3600; anything else is INVALID_ARGUMENTS).

``ensure_writable`` proves a save will work before anything irreversible happens elsewhere (a
signup): the path must be a regular file or absent, its directory a writable directory (permission
bits are respected even when root could ignore them). ``reserve`` goes further: it writes a
placeholder of the full size the save will need into the target directory and fsyncs it (a full
disk fails here, before the signup); ``Reservation.commit`` then writes the real content over the
placeholder's blocks, truncates it to size and renames it into place.
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
        from image_skill_api.registry import ErrorCode

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
    from image_skill_api.registry import ErrorCode

    return CliError(
        ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED,
        f"The config file could not be written ({reason}); "
        "set IMAGE_SKILL_CONFIG_PATH to a writable location.",
    )


def make_directories(directory: Path) -> None:
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
        make_directories(directory)
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
    reserve(path, 0).release()  # a probe file: created and removed


def _encode(content: Mapping[str, Any]) -> bytes:
    return (json.dumps(content, indent=2, sort_keys=True) + "\n").encode("utf-8")


class Reservation:
    """A 0600 placeholder of ``size`` bytes in the config's directory, written and fsynced: the space
    a save needs, held until ``commit`` (the content goes over it, then it is renamed into place) or
    ``release`` (it is removed)."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size
        self.fd, self.name = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(self.fd, 0o600)
            self._write_all(b" " * size)
            os.fsync(self.fd)
        except OSError:
            self.release()
            raise

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]

    def commit(self, content: Mapping[str, Any]) -> None:
        """Replace the config with ``content`` through the placeholder; PUBLIC_CLI_CONFIG_WRITE_FAILED
        (and the placeholder removed) when that fails."""
        data = _encode(content)
        try:
            os.lseek(self.fd, 0, os.SEEK_SET)
            self._write_all(data)
            os.ftruncate(self.fd, len(data))  # shrinking never needs space
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1
            os.replace(self.name, self.path)
        except OSError as exc:
            self.release()
            raise _write_failed(self.path, exc.strerror or "write failed") from None

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        Path(self.name).unlink(missing_ok=True)


def reserve(path: Path, size: int) -> Reservation:
    """Prove a save of up to ``size`` bytes will fit: ``ensure_writable``'s checks, then a placeholder
    of that size written and fsynced in the directory (PUBLIC_CLI_CONFIG_WRITE_FAILED otherwise)."""
    if size:
        ensure_writable(path)
    try:
        return Reservation(path, size)
    except OSError as exc:
        raise _write_failed(path, exc.strerror or "its directory is not writable") from None


def save(path: Path, content: Mapping[str, Any]) -> None:
    """Atomically replace the config with ``content`` (a 0600 file; see ``ensure_writable``)."""
    reserve(path, len(_encode(content))).commit(content)


# --------------------------------------------------------------------- profiles
PROFILES = "profiles"
#: The top-level fields of the older single-token file.
LEGACY_FIELDS = ("api_base_url", "token", "saved_at", "actor")


def profile_key(base_url: str) -> str:
    """The key of ``base_url``'s profile: scheme and host lower-cased, a default port dropped, no
    trailing slash (``HTTP://Host:80/`` and ``http://host`` are one API)."""
    from urllib.parse import urlsplit

    url = base_url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host += f":{port}"
    return f"{scheme}://{host}{parts.path.rstrip('/')}"


def profiles(saved: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every saved profile with a token, by key. A profile whose own ``api_base_url`` names another
    API than its key is ignored; the older top-level token is the profile of its ``api_base_url``."""
    found: dict[str, dict[str, Any]] = {}
    table = saved.get(PROFILES)
    for key, profile in (table if isinstance(table, dict) else {}).items():
        if not isinstance(profile, dict) or not isinstance(key, str) or not _has_token(profile):
            continue
        named = profile.get("api_base_url", key)
        if isinstance(named, str) and profile_key(named) == profile_key(key):
            found[profile_key(key)] = dict(profile)
    if _has_token(saved) and isinstance(saved.get("api_base_url"), str):
        legacy = {field: saved.get(field) for field in LEGACY_FIELDS}
        found.setdefault(profile_key(saved["api_base_url"]), legacy)
    return found


def _has_token(part: Mapping[str, Any]) -> bool:
    return isinstance(part.get("token"), str) and bool(part["token"])


def token_for(saved: Mapping[str, Any], base_url: str) -> tuple[str | None, str]:
    """(the token saved for ``base_url``, "config"), else (None, "config_other_base_url") when only
    other APIs have one, else (None, "none")."""
    table = profiles(saved)
    profile = table.get(profile_key(base_url))
    if profile is not None:
        return str(profile["token"]), "config"
    return None, "config_other_base_url" if table else "none"


def with_profile(saved: Mapping[str, Any], base_url: str, profile: Mapping[str, Any]) -> dict[str, Any]:
    """``saved`` with ``profile`` as ``base_url``'s (every other profile kept; an older single-token
    file becomes its profile). The top level mirrors the profile just saved, in the older shape, so
    an older CLI reading the file still finds the latest token (this CLI reads ``profiles`` first)."""
    content = {key: value for key, value in saved.items() if key not in (PROFILES, *LEGACY_FIELDS)}
    content[PROFILES] = {**profiles(saved), profile_key(base_url): dict(profile)}
    content.update({field: profile.get(field) for field in LEGACY_FIELDS})
    return content
