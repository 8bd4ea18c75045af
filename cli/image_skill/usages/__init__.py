"""Each command's command line: its docopt usage text, and what argv alone decides about it.

``image_skill.usages.<name>`` holds ``USAGE`` and, when the command needs them, two checks that
``main`` makes before docopt parses, both returning a ``Refusal`` (or None):

- ``reject_argv(argv)``: refused whatever else the command line says, even with ``--help``
  (payment-credential flags);
- ``unavailable(argv)``: a contract command line this release does not build (see ``planned``).

These modules import nothing heavy (plain constants only): ``image-skill <command> --help`` and a
usage error load one of them and nothing of the command's implementation (``image_skill.commands``).
"""
