"""The bench behind ``nox -s bench``: ``python tools/bench`` runs ``__main__``."""
