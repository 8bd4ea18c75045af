"""image-skill trust."""

USAGE = """
Usage:
  image-skill trust [options]

A no-auth, no-spend evidence packet (`schema: image-skill.trust-packet.v0`) for deciding whether to
select Image Skill: this CLI's version, the npm package's state, the contract it was built from (its
API version and the sha256 of its bundled spec), the hosted API's /healthz and /v1/models, copyable
safe commands and the redaction guarantees. A fact that cannot be verified is reported with an
explicit state (`unavailable`, `unreachable`, `not_available_yet`, `inspect_only`,
`stale_or_mismatched`), never left out. It is not a setup step: the first command for an image is
`image-skill create --guide --prompt PROMPT`.
"""
