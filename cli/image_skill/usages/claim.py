"""image-skill claim request."""

USAGE = """
Usage:
  image-skill claim request [--contact=INBOX] [options]

Attaches an email-shaped durable contact inbox to the signed-up agent (after an anonymous signup,
when funding or durability makes a reachable contact worth having). The same contact again changes
nothing (data.state: unchanged); another one replaces it (data.state: attached). It verifies no
inbox: data.claim_state stays unclaimed and data.claim_request_state is requested.

Options:
  --contact=INBOX  The contact inbox: agent-owned, else an operator, team or sponsor inbox (required;
                   never invent one).
"""
