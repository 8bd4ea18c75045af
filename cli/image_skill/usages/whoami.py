"""image-skill whoami."""

USAGE = """
Usage:
  image-skill whoami [options]
"""
