"""image-skill-conformance: test any implementation of the Image Skill contract, and score it.

The kit talks HTTP to the server under test and runs clients as subprocesses; it imports the
contract's facts from ``image_skill_api`` (generated from the spec) and nothing from the CLI or
the mock.
"""

from __future__ import annotations


def kit_version() -> str:
    """The kit's version: the ``image-skill`` distribution it ships in."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("image-skill")
    except PackageNotFoundError:
        return "unknown"
