"""Resource handlers, one module per resource; ``HANDLERS`` maps operationId -> handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from image_skill_mock.resources import (
    activity,
    assets,
    catalog,
    creative,
    feedback,
    health,
    identity,
    jobs,
    payments,
    quota,
    uploads,
)
from image_skill_mock.state import Call

HANDLERS: dict[str, Callable[[Call], Any]] = {
    **health.HANDLERS,
    **identity.HANDLERS,
    **quota.HANDLERS,
    **payments.HANDLERS,
    **catalog.HANDLERS,
    **creative.HANDLERS,
    **jobs.HANDLERS,
    **assets.HANDLERS,
    **uploads.HANDLERS,
    **activity.HANDLERS,
    **feedback.HANDLERS,
}
