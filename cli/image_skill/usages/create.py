"""image-skill create: its usage."""

from __future__ import annotations

USAGE = """
Usage:
  image-skill create [--guide] [--prompt=TEXT] [--prompt-file=PATH] [--model=ID] [--provider=P]
      [--intent=I] [--aspect-ratio=R] [--output-count=N] [--max-estimated-usd-per-image=USD]
      [--model-parameters-json=JSON] [--dry-run] [--accept-unknown-cost]
      [--reference-image=IMAGE]... [--element-frontal=IMAGE]... [--element-reference=IMAGE]...
      [--idempotency-key=KEY] [options]

Options:
  --guide                            Advise the next safe command instead of creating (never mutates).
  --prompt=TEXT                      What to create.
  --prompt-file=PATH                 Read the prompt from a file (`-` for standard input).
  --model=ID                         A model id (default: the hosted quality-first policy).
  --provider=P                       fal, xai or openai: the strongest executable model of it within budget.
  --intent=I                         explore, draft, final, finalize, product or hero.
  --aspect-ratio=R                   W:H [default: 1:1].
  --output-count=N                   Outputs in one request (up to the model's limit).
  --max-estimated-usd-per-image=USD  Refuse models whose estimated per-image price is higher.
  --model-parameters-json=JSON       Model-specific controls as a JSON object (see `models show`).
  --dry-run                          Plan only: a stored plan receipt, no provider call, no debit.
  --accept-unknown-cost              Allow a model whose price is only known after execution.
  --reference-image=IMAGE            IMAGE[@INDEX[:ip|id|style]]: a flat reference image (DreamO).
  --element-frontal=IMAGE            IMAGE[@ELEMENT]: an element's frontal image (Kling routes).
  --element-reference=IMAGE          IMAGE[@ELEMENT[:REF]]: one more image of an element (Kling).
  --idempotency-key=KEY              Makes a retry safe: the same key and request return the original job
                                     (no second job, no second debit). Generated when omitted; a failed
                                     create's recovery carries it.

A dry run needs no token (without one it is planned anonymously and nothing is stored).
Every reference IMAGE is an asset id, an owned media URL, a local path or an http(s) URL; paths and
URLs are uploaded first (as `image-skill upload` does) and only asset ids are sent. The part after
an IMAGE's last @ is its suffix: write ./a@b.png@0 for a file whose name holds @.
"""
