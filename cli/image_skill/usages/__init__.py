"""Each command's command line: its docopt usage text, and what argv alone decides about it.

``image_skill.usages.<name>`` holds ``USAGE`` and, when the command needs it, ``reject_argv(argv)``:
a ``Refusal`` (or None) that ``main`` asks for before docopt parses, whatever else the command line
says, even with ``--help`` (payment-credential flags).

These modules import nothing heavy (plain constants only): ``image-skill <command> --help`` and a
usage error load one of them and nothing of the command's implementation (``image_skill.commands``).
"""
