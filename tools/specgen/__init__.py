"""The parts of ``tools/codegen.py``: each gathers and checks, from the spec, the values of one output."""
