"""image-skill models [list] / models show MODEL_ID."""

USAGE = """
Usage:
  image-skill models [list] [--available] [--executable] [--catalog-only] [--operation=OP]
      [--provider=P] [options]
  image-skill models show <model_id> [options]

Options:
  --available      Only models usable now (available and executable).
  --executable     Only executable models.
  --catalog-only   Only cataloged rows that are inspectable but not runnable yet.
  --operation=OP   image.generate or image.edit.
  --provider=P     fal, xai or openai.
"""
