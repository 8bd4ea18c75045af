"""image-skill signup --agent."""

USAGE = """
Usage:
  image-skill signup [--agent] [--agent-contact=EMAIL] [--human-email=EMAIL] [--agent-name=NAME]
      [--runtime=RUNTIME] [--save] [--no-save] [--show-token] [--discovery-source=SLUG] [options]

Required: --agent and --agent-name. Signup is anonymous by default: no contact inbox is needed
(attach one later with `image-skill claim request --contact INBOX`); every anonymous signup is a
new agent, so reuse the saved config instead of signing up again. A suggested signup command
carries placeholders to replace: AGENT_NAME (e.g. creative-agent) and RUNTIME (e.g. codex or
claude-code).

Options:
  --agent                  Sign up a restricted agent identity (required).
  --agent-contact=EMAIL    Optional: a durable, email-shaped contact inbox (agent-owned, else an
                           operator, team or sponsor inbox); never invent one, omit it instead.
  --human-email=EMAIL      Older name of --agent-contact.
  --agent-name=NAME        The agent's display name.
  --runtime=RUNTIME        The agent runtime, e.g. codex or claude-code [default: unknown].
  --save                   Save the token to the config file (the default; accepted, changes nothing).
  --no-save                Do not save the token (only with --show-token).
  --show-token             Print the token once in data.token (it is saved too unless --no-save).
  --discovery-source=SLUG  Where you discovered Image Skill, e.g. clawhub, skills-sh or npm (else
                           IMAGE_SKILL_DISCOVERY_SOURCE; omit it when you do not know).
"""
