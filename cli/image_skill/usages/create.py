"""image-skill create: its usage, and the contract's reference flags this release does not build yet."""

from __future__ import annotations

from image_skill.planned import not_yet
from image_skill_api.constants import OPERATION_COMMANDS

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from image_skill.envelope import Refusal

USAGE = """
Usage:
  image-skill create [--guide] [--prompt=TEXT] [--prompt-file=PATH] [--model=ID] [--provider=P]
      [--intent=I] [--aspect-ratio=R] [--output-count=N] [--max-estimated-usd-per-image=USD]
      [--model-parameters-json=JSON] [--dry-run] [--accept-unknown-cost] [options]

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

A dry run needs no token (without one it is planned anonymously and nothing is stored).
The contract's reference flags (--reference-image, --element-frontal, --element-reference) are
not available in this CLI release yet.
"""

#: The contract's reference flags; this release does not build them yet (they need upload).
REFERENCE_FLAGS = ("--reference-image", "--element-frontal", "--element-reference")


def unavailable(argv: list[str]) -> Refusal | None:
    """A create command line with reference flags is a contract command this release cannot run."""
    used = sorted({arg.split("=", 1)[0] for arg in argv} & set(REFERENCE_FLAGS))
    if not used:
        return None
    return not_yet(
        OPERATION_COMMANDS["createImage"],
        f"`image-skill create {' '.join(used)}`",
        "image-skill help create --json",
        "create without reference flags runs.",
    )
