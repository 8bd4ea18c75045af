"""image-skill usage quota (and its alias `image-skill quota`)."""

USAGE = """
Usage:
  image-skill usage quota [options]
  image-skill quota [options]
"""
