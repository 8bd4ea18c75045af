"""Deterministic, real PNGs: a gradient and a few soft shapes derived from sha256(prompt, seed, size).

The picture is drawn at a small size and scaled up, so even 2048 px images render quickly; the
prompt only seeds the colours and never appears in the image.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageFilter

from image_skill_mock.creative.pixels import decode

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


# ----------------------------------------------------------------------------- edits
#: How strongly an edit repaints the input (0: not at all, 1: replaced) where it edits.
EDIT_STRENGTH = 0.45
#: The share of the output's height the reference swatch band covers (bottom edge).
SWATCH_BAND = 0.125


def _swatches(image: Image.Image, colours: list[tuple[int, int, int]]) -> Image.Image:
    """The image with a band of exact reference colours along its bottom edge, one swatch each."""
    if not colours:
        return image
    out = image.copy()
    draw = ImageDraw.Draw(out)
    width, height = out.size
    top = height - max(1, round(height * SWATCH_BAND))
    for i, colour in enumerate(colours):
        left, right = round(i * width / len(colours)), round((i + 1) * width / len(colours))
        draw.rectangle((left, top, right - 1, height - 1), fill=colour)
    return out


def with_references(png: bytes, colours: list[tuple[int, int, int]]) -> bytes:
    """A rendered PNG with the references' dominant colours drawn into it (deterministic)."""
    if not colours:
        return png
    with Image.open(io.BytesIO(png)) as image:
        out = _swatches(image.convert("RGB"), colours)
    buffer = io.BytesIO()
    out.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def render_edit_png(
    *,
    source: bytes,
    mask: bytes | None,
    colours: list[tuple[int, int, int]],
    prompt: str,
    seed: int,
    width: int,
    height: int,
) -> bytes:
    """An edit of ``source`` at ``width`` x ``height``: the input, repainted with the prompt's picture
    (``render_png``) at ``EDIT_STRENGTH`` and the references' colours (a swatch band). With a mask
    (white: edit, black: keep; resized to the output), pixels outside it are the input's, unchanged.
    Deterministic: identical bytes for identical inputs, prompt, seed and size. The input and mask
    are decoded at the size drawn (``pixels.decode``; ``pixels.Undecodable`` when they are not whole)."""
    base = decode(source, (width, height))
    if base.size != (width, height):
        base = base.resize((width, height), Image.Resampling.LANCZOS)
    digest = hashlib.sha256(source).hexdigest()
    with Image.open(
        io.BytesIO(render_png(prompt=f"{digest}\x00{prompt}", seed=seed, width=width, height=height))
    ) as p:
        painted = Image.blend(base, p.convert("RGB"), EDIT_STRENGTH)
    edited = _swatches(painted, colours)
    if mask is not None:
        region = decode(mask, (width, height), "L")
        if region.size != (width, height):
            region = region.resize((width, height), Image.Resampling.NEAREST)
        region = region.point(lambda value: 255 if value >= 128 else 0)
        edited = Image.composite(edited, base, region)
    out = io.BytesIO()
    edited.save(out, format="PNG", compress_level=1)
    return out.getvalue()
