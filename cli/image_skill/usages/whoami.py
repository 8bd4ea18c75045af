"""image-skill whoami."""

USAGE = """
Usage:
  image-skill whoami [options]

Shows the actor, organization, claim state, token class and grants. `session_origin` says where this
run's token came from: loaded_from_config (the config signup saved), env_token (IMAGE_SKILL_TOKEN),
stdin_token (--token-stdin). `token_created_at` is when the active token was created.
"""
