"""image-skill signup --agent."""

USAGE = """
Usage:
  image-skill signup [--agent] [--agent-contact=EMAIL] [--human-email=EMAIL] [--agent-name=NAME]
      [--runtime=RUNTIME] [--save] [--show-token] [options]

Required: --agent, --agent-contact (or its alias --human-email) and --agent-name. A suggested
signup command carries placeholders to replace: AGENT_CONTACT_EMAIL (a durable, email-shaped
inbox: agent-owned, else an operator, team or sponsor inbox; never a throwaway one),
AGENT_NAME (e.g. creative-agent) and RUNTIME (e.g. codex or claude-code).

Options:
  --agent                Sign up a restricted agent identity (required).
  --agent-contact=EMAIL  A durable, email-shaped contact inbox for the agent.
  --human-email=EMAIL    Older name of --agent-contact.
  --agent-name=NAME      The agent's display name.
  --runtime=RUNTIME      The agent runtime, e.g. codex or claude-code [default: unknown].
  --save                 Save the token to the config file (the default unless --show-token).
  --show-token           Print the token once in data.token (not saved unless --save is also given).
"""
