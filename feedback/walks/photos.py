"""Photos of a walk's findings: checked to be images, stripped of everything but the pixels.

A phone's photo carries where it was taken (GPS), when, and the device; a walk's photo may show
a face or a number plate. What is stored is a new JPEG drawn from the pixels alone, turned the
way the camera meant and no larger than LONGEST_SIDE: no EXIF, XMP, ICC profile or comment
survives. Anything Pillow cannot read as one of FORMATS, or that would unpack into more than
MAX_PIXELS, is refused before its pixels are decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from PIL import Image, ImageOps

FORMATS = ("JPEG", "PNG", "WEBP")
# A 50-megapixel phone camera's photo passes; a decompression bomb does not.
MAX_PIXELS = 64_000_000
LONGEST_SIDE = 1600
QUALITY = 82


class PhotoError(ValueError):
    """A file that cannot be stored as a photo; the message says why, for the walker."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CleanPhoto:
    """A photo as it is stored: JPEG bytes without metadata, and its size in pixels."""

    data: bytes
    width: int
    height: int


def clean_photo(raw: bytes, max_bytes: int, longest_side: int = LONGEST_SIDE) -> CleanPhoto:
    """The photo re-encoded from its pixels alone, at most `longest_side` pixels across;
    PhotoError for anything else."""
    if not raw:
        raise PhotoError(_l("Filen är tom."))
    if len(raw) > max_bytes:
        raise PhotoError(_l("Ett foto får vara högst %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    with warnings.catch_warnings():
        # The size is checked below, against a lower limit than Pillow's own warning.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw), formats=FORMATS)
        except Image.DecompressionBombError as error:
            raise PhotoError(_too_many_pixels()) from error
        except Exception as error:  # any file Pillow cannot read is not a photo to us
            raise PhotoError(_not_a_photo()) from error
    if image.width * image.height > MAX_PIXELS:
        raise PhotoError(_too_many_pixels())
    try:
        image.draft("RGB", (longest_side, longest_side))  # a JPEG is decoded at a smaller scale
        upright = ImageOps.exif_transpose(image)  # reads the pixels: a broken file fails here
        upright.thumbnail((longest_side, longest_side))
        pixels = _on_white(upright)
    except Exception as error:  # a truncated or corrupt file
        raise PhotoError(_not_a_photo()) from error
    # A new image from the pixels alone: nothing of the file's info dict can be written out.
    bare = Image.frombytes("RGB", pixels.size, pixels.tobytes())
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=QUALITY, optimize=True)
    return CleanPhoto(out.getvalue(), bare.width, bare.height)


def _too_many_pixels() -> LazyString:
    return _l(
        "Bilden har för många bildpunkter (högst %(mp)d miljoner).", mp=MAX_PIXELS // 1_000_000
    )


def _not_a_photo() -> LazyString:
    return _l("Filen är inte ett foto som går att läsa. Använd JPEG, PNG eller WebP.")


def _on_white(image: Image.Image) -> Image.Image:
    """The image in RGB, transparent parts on white (as a print shows them)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
