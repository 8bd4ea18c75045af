"""image-skill feedback create."""

USAGE = """
Usage:
  image-skill feedback create [--type=T] [--title=TEXT] [--body=TEXT] [--command=TEXT]
      [--expected=TEXT] [--actual=TEXT] [--friction=TEXT] [--proof-needed=TEXT]
      [--strategic-reason=TEXT] [--dedupe-key=KEY] [--source=S] [--trace-id=ID]
      [--surface=LIST] [--evidence=ITEM]... [--severity=S] [--confidence=C]
      [--next-state=S] [--allow-weak-signal] [options]

Leaves structured product feedback in hosted product memory (POST /v1/feedback; needs a token).
Give --title and --body at least. Never include secrets: a token or key in any field is refused
before anything is sent. Cite trace ids and activity event ids instead.

Options:
  --type=T                user_feedback, bug, friction, feature_request, docs or contract_bug
                          [default: user_feedback].
  --title=TEXT            A short concrete title.
  --body=TEXT             What happened, what was expected, and why it matters.
  --command=TEXT          The command or workflow observed.
  --expected=TEXT         The expected result.
  --actual=TEXT           The actual result.
  --friction=TEXT         What slowed you down.
  --proof-needed=TEXT     What would prove this is handled.
  --strategic-reason=TEXT Why it matters beyond this run.
  --dedupe-key=KEY        A repeat with the same key returns the original feedback_id.
  --source=S              Where the feedback comes from (e.g. an agent runtime).
  --trace-id=ID           The trace id of the run this is about (trace_...).
  --surface=LIST          Comma-separated surfaces, e.g. cli,docs [default: cli].
  --evidence=ITEM         Evidence, e.g. trace:TRACE_ID or an evt_/job_ id (repeatable).
  --severity=S            low, medium, high or critical [default: medium].
  --confidence=C          low, medium or high [default: medium].
  --next-state=S          watch, investigate, fix or closed [default: watch].
  --allow-weak-signal     Queue narrative feedback that has no structured evidence.
"""
