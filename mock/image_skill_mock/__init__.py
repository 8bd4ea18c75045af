"""image-skill-mock: a stateful reference implementation of the hosted Image Skill API."""
