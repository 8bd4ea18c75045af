"""image-skill help [COMMAND]."""

USAGE = """
Usage:
  image-skill help [<command>] [options]
"""
