"""image-skill activity list / activity show REF."""

from image_skill_api.constants import ACTIVITY_LIMIT_DEFAULT as DEFAULT
from image_skill_api.constants import ACTIVITY_LIMIT_MAXIMUM as MAXIMUM
from image_skill_api.constants import ACTIVITY_LIMIT_MINIMUM as MINIMUM

USAGE = f"""
Usage:
  image-skill activity list [--limit=N] [--subject=REF] [options]
  image-skill activity show <ref> [options]

The hosted activity ledger (GET /v1/activity, GET /v1/activity/{{ref}}), newest first. `list` shows
recent events; `show` one event (evt_...) or the events about one job, asset, usage, feedback,
signal, quote, payment, receipt or trace id (an unrelated id answers an empty list).

Options:
  --limit=N      How many events: {MINIMUM} to {MAXIMUM} [default: {DEFAULT}].
  --subject=REF  Only events about this id (job_, image_, usage_, fb_, trace_, quote_, ...).
"""
