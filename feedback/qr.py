"""QR codes for posters, as SVG for print and PNG for download."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(url: str) -> qrcode.QRCode:
    # M survives a smudged or creased poster; a short URL keeps the version (and modules) low.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def version(url: str) -> int:
    """The QR version (size class, 1 to 40) the URL needs."""
    found: int = _code(url).version
    return found


def svg(url: str) -> str:
    """The QR code as a standalone, scalable SVG document."""
    image = _code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    text: str = image.to_string(encoding="unicode")
    # A page of many posters must not repeat the same element id.
    return text.replace(' id="qr-path"', "")


def png(url: str, box_size: int = 20) -> bytes:
    """The QR code as a PNG, box_size pixels per module."""
    code = _code(url)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
