"""How one server runs: its defaults are written here once (``main``'s usage text formats them in).

Importable without the ``[mock]`` extra: ``image-skill-mock --help`` reads the defaults from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from image_skill_mock.clock import utc_now

#: Preview credits a new agent is granted (``serve --free-credits``).
FREE_CREDITS = 50
#: Jobs an agent may run per UTC day (``serve --daily-jobs``).
DAILY_JOBS = 4
#: Where ``serve`` binds by default.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
#: Where asset URLs point when the server is not told its public address (``serve``'s default bind).
DEFAULT_PUBLIC_BASE_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"


@dataclass(frozen=True)
class Settings:
    db_path: Path
    strict: bool = False
    free_credits: int = FREE_CREDITS
    daily_jobs: int = DAILY_JOBS
    clock: Callable[[], datetime] = field(default=utc_now)
    #: The scheme://host[:port] asset URLs are built on (``serve --public-base-url``); never the Host header.
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
