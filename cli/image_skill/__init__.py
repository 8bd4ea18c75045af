"""image-skill: the thin CLI agents use to call the hosted Image Skill service."""

__version__ = "0.1.0"
