"""Deterministic, real PNGs: a gradient and a few soft shapes derived from sha256(prompt, seed, size).

The picture is drawn at a small size and scaled up, so even 2048 px images render quickly; the
prompt only seeds the colours and never appears in the image.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageFilter

_DRAW_LONG_EDGE = 256


def _palette(digest: bytes) -> list[tuple[int, int, int]]:
    return [(digest[i], digest[i + 1], digest[i + 2]) for i in range(0, 24, 3)]


def render_png(*, prompt: str, seed: int, width: int, height: int) -> bytes:
    """A PNG of exactly ``width`` x ``height``, identical bytes for identical inputs."""
    digest = hashlib.sha256(f"{seed}\x00{width}x{height}\x00{prompt}".encode()).digest()
    colours = _palette(digest)
    scale = _DRAW_LONG_EDGE / max(width, height)
    w, h = max(1, round(width * scale)), max(1, round(height * scale))

    top, bottom = colours[0], colours[1]
    gradient = Image.linear_gradient("L").resize((w, h))
    image = Image.composite(Image.new("RGB", (w, h), bottom), Image.new("RGB", (w, h), top), gradient)

    shapes = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    for i in range(5):
        b = digest[8 + i * 4 : 12 + i * 4]
        cx, cy = b[0] / 255 * w, b[1] / 255 * h
        r = (0.08 + b[2] / 255 * 0.25) * min(w, h)
        fill = (*colours[2 + i % 6], 110 + b[3] % 120)
        box = (cx - r, cy - r, cx + r, cy + r)
        if b[3] % 2:
            draw.ellipse(box, fill=fill)
        else:
            draw.rounded_rectangle(box, radius=r / 3, fill=fill)
    shapes = shapes.filter(ImageFilter.GaussianBlur(radius=max(1, min(w, h) // 64)))
    image = Image.alpha_composite(image.convert("RGBA"), shapes).convert("RGB")
    if (w, h) != (width, height):
        image = image.resize((width, height), Image.Resampling.BICUBIC)

    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()
