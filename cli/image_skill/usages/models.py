"""image-skill models [list] / models show MODEL_ID."""

USAGE = """
Usage:
  image-skill models [list] [--available] [--executable] [--catalog-only] [--operation=OP]
      [--provider=P] [--query=Q] [--details] [--summary] [options]
  image-skill models show <model_id> [options]

Options:
  --available      Only models usable now (available and executable).
  --executable     Only executable models.
  --catalog-only   Only cataloged rows that are inspectable but not runnable yet.
  --operation=OP   image.generate or image.edit.
  --provider=P     fal, xai or openai.
  --query=Q        Only models matching every word of Q (ids, names, providers, tags, aliases).
  --details        Full rows with parameter schemas (default: compact rows; `show_command` shows one).
  --summary        The compact rows (the default; accepted for compatibility).

`models show` takes a model id, a known alias (`models show nano-banana`) or `default` (the hosted
default create model, the row with `default: true`).
"""
