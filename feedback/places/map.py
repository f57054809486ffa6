"""The survey's map: where a municipality serves its own map tiles, a resident may drop a pin.

The map is an enhancement of the list of places, never a replacement: without the setting, or
without JavaScript, the survey shows no map and asks no other site for anything. With it, the
page's content security policy admits images from the tile server and nothing else from
anywhere new. What the browser sends is kept only as the centre of its grid cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from flask import current_app

from feedback.organisations import web as organisations_web

WORLD = (-85.0, -180.0, 85.0, 180.0)  # what Web Mercator tiles show, south, west, north, east
# A host and an optional port, nothing else: it goes into the content security policy as is.
_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class SurveyMap(NamedTuple):
    """What the map on the survey needs: its tiles, whom to credit, where it may be set, and
    how coarse a pin is kept."""

    tiles: str
    attribution: str
    bounds: tuple[float, float, float, float]
    grid_metres: float


def check_map(config: Mapping[str, Any]) -> None:
    """Refuse map settings that would leak a resident's position or break the survey."""
    if not config["MAP_GRID_METRES"] >= 100:
        raise RuntimeError("MAP_GRID_METRES must be at least 100: pins are kept only coarsely.")
    tiles = config["MAP_TILES"]
    if tiles is None:
        return
    parts = urlsplit(tiles) if isinstance(tiles, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not _HOST.fullmatch(parts.netloc)
        or any(f"{{{name}}}" not in tiles for name in "zxy")
    ):
        raise RuntimeError(
            "MAP_TILES must be an http(s) address with {z}, {x} and {y}, "
            "such as https://karta.example.se/tiles/{z}/{x}/{y}.png, or None for no map."
        )


def tile_origin(tiles: str | None) -> str | None:
    """The scheme, host and port the tiles come from, for the content security policy."""
    if tiles is None:
        return None
    parts = urlsplit(tiles)
    return f"{parts.scheme}://{parts.netloc}"


def survey_map() -> SurveyMap | None:
    """The map the survey shows, or None where no tiles are configured."""
    config = current_app.config
    if config["MAP_TILES"] is None:
        return None
    return SurveyMap(
        tiles=config["MAP_TILES"],
        attribution=config["MAP_ATTRIBUTION"],
        bounds=organisations_web.bounds() or WORLD,
        grid_metres=config["MAP_GRID_METRES"],
    )
