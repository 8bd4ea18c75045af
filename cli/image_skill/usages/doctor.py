"""image-skill doctor."""

USAGE = """
Usage:
  image-skill doctor [options]

Always exit 0 when it could run its checks, even with the hosted API unreachable: read
data.hosted_api.reachable and follow data.next_command.
"""
