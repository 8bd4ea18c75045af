"""POST /v1/upload: owned input media from client-read bytes (``image_skill_mock.uploads``)."""

from __future__ import annotations

from image_skill_mock.uploads import upload

HANDLERS = {"uploadAsset": upload}
