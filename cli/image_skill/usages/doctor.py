"""image-skill doctor."""

USAGE = """
Usage:
  image-skill doctor [--sweep-in-flight] [options]

Options:
  --sweep-in-flight  Remove the in-flight notes old enough to sweep (data.in_flight.entries[]
                     with sweep_eligible: true); never an outstanding one.

data.in_flight lists the notes live creates and edits leave under <config dir>/in-flight/ until
they know their outcome: each with its key, age, sweep eligibility and a recover_command that
replays it with the same key (pipe the original prompt into it). Plain doctor never deletes them.
Always exit 0 when it could run its checks, even with the hosted API unreachable: read
data.hosted_api.reachable and follow data.next_command.
"""
