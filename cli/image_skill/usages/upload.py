"""image-skill upload PATH_OR_URL."""

USAGE = """
Usage:
  image-skill upload <path_or_url> [options]

Normalizes a local image path or a remote http(s) image URL into an Image Skill-owned input asset:
the CLI reads the file (or fetches the URL itself, without the agent's token, at most 5 redirects,
25 MiB and IMAGE_SKILL_HTTP_TIMEOUT_SECONDS) and sends its bytes to POST /v1/upload. The type is
sniffed from the bytes: PNG, JPEG, WebP, GIF or AVIF; anything else is INPUT_POLICY_DENIED (exit 6)
and nothing is uploaded. Use the asset id it returns with `image-skill edit --input ASSET_ID`.
"""
