"""image-skill edit: edit an owned image (or a local path / URL uploaded first)."""

USAGE = """
Usage:
  image-skill edit (--input=REF | --input-asset-id=ID) [--mask=REF] [--prompt=TEXT]
      [--prompt-file=PATH] [--model=ID]
      [--provider=P] [--intent=I] [--aspect-ratio=R] [--reference-image=IMAGE]...
      [--element-frontal=IMAGE]... [--element-reference=IMAGE]...
      [--max-estimated-usd-per-image=USD] [--model-parameters-json=JSON] [--dry-run]
      [--accept-unknown-cost] [--idempotency-key=KEY] [options]

Options:
  --input=REF                        The image to edit: an asset id, an owned media URL, a local path
                                     or an http(s) URL (paths and URLs are uploaded first).
  --input-asset-id=ID                The image to edit, as an asset id.
  --mask=REF                         Where to edit (white) and what to keep (black), resolved like
                                     --input; only models whose `mask.supported` is true take one.
  --prompt=TEXT                      What to change.
  --prompt-file=PATH                 Read the prompt from a file (`-` for standard input).
  --model=ID                         An edit model id (default: hosted_default_edit_v1).
  --provider=P                       fal, xai or openai: its strongest executable edit model in budget.
  --intent=I                         explore, draft, final, finalize, product or hero.
  --aspect-ratio=R                   W:H, or auto to keep the input's ratio [default: auto].
  --reference-image=IMAGE            IMAGE[@INDEX[:ip|id|style]]: a flat reference image (xAI edit).
  --element-frontal=IMAGE            IMAGE[@ELEMENT]: an element's frontal image (Kling routes).
  --element-reference=IMAGE          IMAGE[@ELEMENT[:REF]]: one more image of an element (Kling).
  --max-estimated-usd-per-image=USD  Refuse models whose estimated per-image price is higher.
  --model-parameters-json=JSON       Model-specific controls as a JSON object (see `models show`);
                                     never provider-native image keys (mask_url, image_urls, ...).
  --dry-run                          Plan only: no provider call, no debit.
  --accept-unknown-cost              Allow a model whose price is only known after execution.
  --idempotency-key=KEY              Makes a retried edit safe: the same key and request return the
                                     original job, never a second debit (default: a fresh key).

Every IMAGE (and REF of --input/--mask) is an asset id, an owned media URL, a local path or an
http(s) URL; paths and URLs go through `image-skill upload` first (sniffed: PNG, JPEG, WebP, GIF or
AVIF, else INPUT_POLICY_DENIED, exit 6, with nothing uploaded). Only asset ids reach POST /v1/edit.
The part after an IMAGE's last @ is its suffix: write ./a@b.png@0 for a file whose name holds @.
"""
