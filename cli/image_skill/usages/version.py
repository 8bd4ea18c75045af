"""image-skill version (also ``--version``)."""

USAGE = """
Usage:
  image-skill version [options]
"""
