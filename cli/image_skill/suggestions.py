"""The commands the CLI suggests in more than one place, each written once.

Where the spec's error registry already suggests a command, the constant is that recovery (read from
the registry's plain-value table), so the CLI, the server and the guide hand out the same line.
Cheap to import (``shlex`` and the generated registry; no HTTP).
"""

from __future__ import annotations

import shlex

from image_skill_api.constants import ERROR_RECOVERIES, OPERATION_COMMANDS, ErrorCodes
from image_skill_api.registry import PAYMENT_METHOD_ID_VALUES


def _registry_recovery(code: str) -> str:
    command: str = ERROR_RECOVERIES[code]["suggested_command"]
    return command


#: The one signup an agent is pointed at (AUTH_REQUIRED, doctor, the guide).
#: AGENT_CONTACT_EMAIL, AGENT_NAME and RUNTIME are placeholders the agent replaces
#: (``image-skill signup --help`` says with what).
SIGNUP_COMMAND = _registry_recovery(ErrorCodes.AUTH_REQUIRED)
SIGNUP_ARGV = tuple(shlex.split(SIGNUP_COMMAND))
#: What to run when the hosted API cannot be used.
DOCTOR_COMMAND = _registry_recovery(ErrorCodes.HOSTED_API_REQUEST_FAILED)
#: What the agent can still spend (credits, daily jobs).
QUOTA_COMMAND = f"{OPERATION_COMMANDS['getQuota']} --json"
#: The payment rails for buying credits.
METHODS_COMMAND = _registry_recovery(ErrorCodes.QUOTA_EXCEEDED)
#: The models usable now.
MODELS_COMMAND = _registry_recovery(ErrorCodes.CAPABILITY_DENIED)
#: The models usable now for create.
CREATE_MODELS_COMMAND = "image-skill models list --available --operation image.generate --json"
#: How to hand a token over standard input (the contract's example).
STDIN_HANDOFF_COMMAND = "printf '%s\\n' \"$IMAGE_SKILL_TOKEN\" | image-skill usage quota --token-stdin --json"
#: The payment rail a quote uses unless told otherwise: the spec's first (today its only) one.
DEFAULT_PAYMENT_METHOD = PAYMENT_METHOD_ID_VALUES[0]
#: The pack a suggested quote names when the server names none (the contract's example pack).
DEFAULT_PACK_ID = "starter-500"
