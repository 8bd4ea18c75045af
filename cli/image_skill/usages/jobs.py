"""image-skill jobs show JOB_ID / jobs wait JOB_ID."""

USAGE = """
Usage:
  image-skill jobs show <job_id> [options]
  image-skill jobs wait <job_id> [--timeout-ms=MS] [--poll-interval-ms=MS] [options]

Options:
  --timeout-ms=MS        Give up after this many milliseconds [default: 120000].
  --poll-interval-ms=MS  Milliseconds between polls [default: 1000].
"""
