"""image-skill help (also ``--help``, ``-h``): the command list, or one command's usage, as an envelope.

The command list and a command's usage are answered without loading the rest of the CLI
(``fast_envelope``, ``usage_envelope``): constants and the command's usage module only, like
``--version``. The list names every command of the contract and says whether this release runs it
(``available``: all of them in this release). Labels are the operations' ``command`` (the spec's),
else ``index.LABELS``.
"""

from __future__ import annotations

from image_skill.commands.index import COMMANDS, GLOBAL_OPTIONS, LABELS, PROGRAM, load_usage
from image_skill.envelope import new_trace_id, success
from image_skill_api.constants import OPERATION_COMMANDS as OPS

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from image_skill.context import Context

FIRST_STEP = "image-skill create --guide --prompt 'describe the image' --json"
GENERAL_USAGE = """
Usage:
  image-skill <command> [<args>...] [options]
  image-skill help [<command>] [options]
  image-skill <command> --help
"""

#: Every command of the contract: (label, summary, runs in this release).
COMMAND_LIST: tuple[tuple[str, str, bool], ...] = (
    (LABELS["create --guide"], "The first safe next command for a prompt (never mutates).", True),
    (OPS["getHealth"], "Check the hosted API, config, auth, output directory and telemetry.", True),
    (OPS["createAgentSignup"], "Create a restricted agent identity and save its token.", True),
    (OPS["getWhoami"], "Show the authenticated actor, organization, claim state and grants.", True),
    (OPS["getQuota"], "Credits, daily jobs and reset windows before spending.", True),
    (LABELS["quota"], f"Alias of `{OPS['getQuota']}`.", True),
    (OPS["listPaymentMethods"], "Payment rails for buying credits.", True),
    (OPS["listCreditPacks"], "Recommended credit packs.", True),
    (OPS["createCreditQuote"], "A bounded credit quote.", True),
    (OPS["createStripeCheckoutSession"], "A Stripe Checkout action for a quote.", True),
    (OPS["getCreditPurchaseStatus"], "The state of a quote, payment attempt, session or receipt.", True),
    (OPS["listModels"], "Models, executable first (models show MODEL_ID: one model's schema).", True),
    (OPS["listCapabilities"], "Capabilities (capabilities show CAPABILITY_ID: one).", True),
    (OPS["createImage"], "Create images, or plan a dry run (--dry-run needs no token).", True),
    (OPS["getJob"], "One job (jobs wait JOB_ID: wait until it is terminal).", True),
    (OPS["getAsset"], "One asset (assets get REF: download it; never clobbers a file).", True),
    (OPS["uploadAsset"], "Turn a local image or URL into an owned input asset.", True),
    (OPS["editImage"], "Edit an owned image with a hosted edit model.", True),
    (OPS["listActivity"], "The activity ledger (activity show REF: one event or subject).", True),
    (OPS["createFeedback"], "Structured feedback into hosted product memory.", True),
    (LABELS["version"], "The CLI version.", True),
    (LABELS["help"], "This list; `image-skill help COMMAND` (or COMMAND --help) for its usage.", True),
)  # fmt: skip


def data() -> dict[str, object]:
    return {
        "usage": (GENERAL_USAGE + GLOBAL_OPTIONS).strip(),
        "commands": [
            {"command": command, "summary": summary, "available": available}
            for command, summary, available in COMMAND_LIST
        ],
        "first_step": FIRST_STEP,
    }


def fast_envelope() -> dict[str, Any]:
    """The whole command-list envelope, from constants only (cheap: no typing, no requests)."""
    return success(LABELS["help"], data(), trace_id=new_trace_id())


def usage_envelope(word: str, usage: str, *, trace_id: str) -> dict[str, Any]:
    """``image-skill <word> --help``: the command's usage (cheap: its usage module only)."""
    return success(f"{PROGRAM} {word}", {"command": word, "usage": usage.strip()}, trace_id=trace_id)


def parse(opts: Mapping[str, Any]) -> str | None:
    """The command whose usage is asked for (None: the command list)."""
    topic: str | None = opts.get("<command>")
    return topic


def label(opts: Mapping[str, Any]) -> str:
    """``image-skill <command>`` for a command's usage, else the list's."""
    topic = parse(opts)
    return f"{PROGRAM} {topic}" if topic in COMMANDS else LABELS["help"]


def run(ctx: Context, topic: str | None) -> dict[str, Any]:
    if topic in COMMANDS:
        return usage_envelope(
            topic, load_usage(COMMANDS[topic]).USAGE + GLOBAL_OPTIONS, trace_id=ctx.trace_id
        )
    return success(ctx.command, data(), trace_id=ctx.trace_id)
