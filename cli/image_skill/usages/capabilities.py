"""image-skill capabilities [list] / capabilities show CAPABILITY_ID."""

USAGE = """
Usage:
  image-skill capabilities [list] [options]
  image-skill capabilities show <capability_id> [options]
"""
