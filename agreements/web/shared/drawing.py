"""A drawn signature as sent by the signing page: a PNG data URL, checked before it is kept."""

from __future__ import annotations

import base64
import binascii

MAX_DRAWING = 200_000
_PNG = b"\x89PNG\r\n\x1a\n"
_DATA_URL = "data:image/png;base64,"


def drawing(value: str) -> tuple[bytes | None, str | None]:
    """The drawn signature as PNG bytes, or the Dutch reason it cannot be used."""
    if not value:
        return None, None
    problem = "Deze tekening kunnen wij niet gebruiken. Wis hem en teken opnieuw, of laat hem leeg."
    if not value.startswith(_DATA_URL) or len(value) > MAX_DRAWING * 4 // 3 + 100:
        return None, problem
    try:
        png = base64.b64decode(value.removeprefix(_DATA_URL), validate=True)
    except (binascii.Error, ValueError):
        return None, problem
    if not png.startswith(_PNG) or len(png) >= MAX_DRAWING:
        return None, problem
    return png, None
