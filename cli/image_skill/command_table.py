"""The command table: which modules answer which command word, every command the help lists (with
its summary), the labels of the commands that no operation names, and the global options every
usage ends with.

A command word has two modules of the same name: ``image_skill.usages.<name>`` (its usage text and
what argv alone decides: cheap, loaded for ``--help`` and usage errors, by ``load_usage``) and
``image_skill.commands.<name>``, loaded only when the command runs (``image_skill.commands.load``),
which ``main.execute`` uses in this order:

- ``LABEL``, or ``label(parsed)`` when it has subcommands: the envelope's ``command``. It is the
  label of the command's operation (``Operation.command``, the spec's ``x-image-skill-command``);
  ``LABELS`` below holds the labels of the commands without one;
- ``parse(parsed)``: docopt's dict -> the command's small typed options (INVALID_ARGUMENTS for a
  value the spec does not allow), the one place that reads docopt's keys;
- ``run(ctx, options)``: the options and the ``Context`` -> the envelope.

A new command: its two modules, a row in ``COMMANDS`` and one in ``LISTING`` (and in ``LABELS`` when
no operation names it). This module sits below every command and imports none of them; plain
constants, cheap to import (no typing).
"""

from __future__ import annotations

from image_skill_api.constants import OPERATION_COMMANDS as OPS

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from types import ModuleType

PROGRAM = "image-skill"

GLOBAL_OPTIONS = """
Global options:
  --json              Print the JSON envelope (the default; accepted by every command).
  --api-base-url=URL  Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).
  --token-stdin       Read the agent token from the first line of standard input.
  -h --help           Show this command's usage (as an envelope).
"""

#: First argv word -> module name (under ``image_skill.usages`` and ``image_skill.commands``).
COMMANDS: dict[str, str] = {
    "help": "help",
    "version": "version",
    "doctor": "doctor",
    "trust": "trust",
    "signup": "signup",
    "claim": "claim",
    "whoami": "whoami",
    "usage": "usage",
    "quota": "usage",
    "credits": "credits",
    "models": "models",
    "capabilities": "capabilities",
    "create": "create",
    "jobs": "jobs",
    "assets": "assets",
    "upload": "upload",
    "edit": "edit",
    "activity": "activity",
    "feedback": "feedback",
}

#: The labels of the commands that map to no operation of their own (the rest: ``Operation.command``).
LABELS: dict[str, str] = {
    "help": "image-skill help",
    "version": "image-skill version",
    "trust": "image-skill trust",
    "quota": "image-skill quota",  # the alias of `image-skill usage quota`
    "create --guide": "image-skill create --guide",  # listed by help; it answers as `image-skill create`
    "jobs wait": "image-skill jobs wait",
    "assets get": "image-skill assets get",
}

#: Every command of the contract, as the help lists it: (label, summary, runs in this release).
LISTING: tuple[tuple[str, str, bool], ...] = (
    (LABELS["create --guide"], "The first safe next command for a prompt (never mutates).", True),
    (OPS["getHealth"], "Check the hosted API, config, auth, output directory and telemetry.", True),
    (LABELS["trust"], "A no-auth, no-spend evidence packet for choosing Image Skill.", True),
    (OPS["createAgentSignup"], "Create a restricted agent identity and save its token.", True),
    (OPS["createAgentClaim"], "Attach a durable contact inbox to the agent (after signup).", True),
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


def word_label(word: str | None) -> str:
    """The label of a failure before a command has chosen its own: ``image-skill <word>``."""
    return f"{PROGRAM} {word}" if word in COMMANDS else PROGRAM


def help_command(word: str) -> str:
    """The command that prints ``word``'s usage (every argument error's recovery)."""
    return f"{PROGRAM} {word} --help"


def load_usage(name: str) -> ModuleType:
    """``image_skill.usages.<name>``: the usage text and argv checks (cheap; not even ``importlib``)."""
    import sys

    __import__(f"image_skill.usages.{name}")  # a literal name: the import-graph test sees the edge
    return sys.modules[f"image_skill.usages.{name}"]
