"""The open-data API's contract as data: an OpenAPI 3.0.3 document, served by feedback.api.

The limits on the query parameters live here and the API's parser reads them from here, so
the document and the answers cannot disagree about what is a valid request.
"""

from __future__ import annotations

from typing import Any

PREFIX = "/api/v1"
YEAR_MIN = 1900
YEAR_MAX = 2100
ID_MAX = 2**31 - 1  # ids are 32-bit integers in the database
MAX_AGE = 300  # seconds a client or proxy may reuse an answer

Schema = dict[str, Any]


def _nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


_LINK: Schema = {"type": "string", "format": "uri-reference"}


def _object(properties: dict[str, Schema], description: str | None = None) -> Schema:
    """An object with exactly these properties, all of them required."""
    schema: Schema = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


INTEGER_ID: Schema = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
DATE: Schema = {"type": "string", "format": "date"}
CLOCK: Schema = {
    "type": "string",
    "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
    "description": "Klockslag i svensk tid (Europe/Stockholm), HH:MM.",
}
SHARE: Schema = {"type": "number", "minimum": 0, "maximum": 1}

SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string", "example": "bad_request"},
                    "message": {
                        "type": "string",
                        "description": "Vad som var fel, på svenska, med parameterns namn.",
                    },
                }
            )
        }
    ),
    "District": _object({"id": INTEGER_ID, "name": {"type": "string"}}),
    "Meeting": _object(
        {
            "code": {"type": "string", "description": "Mötets kod, den som står på affischen."},
            "district": {"type": "string"},
            "district_id": INTEGER_ID,
            "date": DATE,
            "start": CLOCK,
            "end": CLOCK,
            "place": {"type": "string"},
            "address": _nullable({"type": "string"}),
            "cancelled": {"type": "boolean"},
            "survey_url": {"type": "string", "format": "uri"},
        }
    ),
    "Indicator": _object(
        {
            "district": {"type": "string"},
            "district_id": INTEGER_ID,
            "year": {"type": "integer"},
            "meeting_code": _nullable(
                {"type": "string", "description": "null: kommundelens hela år."}
            ),
            "meeting_date": _nullable(DATE),
            "indicator": {
                "type": "string",
                "description": "Indikatorns stabila nyckel. unsafe_places:<plats-id> (och "
                "unsafe_places:other, unsafe_places:none) är andelen av de som besvarade frågan "
                "om otrygga platser som nämnde platsen; den finns bara per kommundel och år.",
            },
            "label": {
                "type": "string",
                "description": "Indikatorns namn på svenska; för en plats platsens namn.",
            },
            "denominator": {
                "type": "string",
                "description": "Vilka andelen är en andel av (nämnaren), i klartext.",
            },
            "n": _nullable(
                {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Antal som besvarade indikatorns fråga (nämnaren); null "
                    "när siffran inte visas.",
                }
            ),
            "share": _nullable(
                {
                    **SHARE,
                    "description": "Andel av alla som besvarade frågan, även de som svarade "
                    "vet ej, 0–1; null när den inte visas eller ingen svarade.",
                }
            ),
            "ci_low": _nullable({**SHARE, "description": "95 % Wilsonintervall, nedre gräns."}),
            "ci_high": _nullable({**SHARE, "description": "95 % Wilsonintervall, övre gräns."}),
            "suppressed": {
                "type": "boolean",
                "description": "Sant när siffran inte visas: den bygger på färre än "
                "min_answers svar, eller skulle tillsammans med andra publicerade siffror låta "
                "någon räkna ut en sådan siffra. Då är också n null.",
            },
        }
    ),
}

PARAMETERS: dict[str, Schema] = {
    "year": {
        "name": "year",
        "in": "query",
        "required": False,
        "description": "Bara detta år (svensk tid).",
        "schema": {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
    },
    "district": {
        "name": "district",
        "in": "query",
        "required": False,
        "description": "Bara denna kommundel: ett id från /districts. Ett okänt id ger 400.",
        "schema": INTEGER_ID,
    },
    "per_meeting": {
        "name": "per_meeting",
        "in": "query",
        "required": False,
        "description": "true: en rad per möte; false: en rad per kommundel och år.",
        "schema": {"type": "boolean", "default": False},
    },
}


def _ref(kind: str, name: str) -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def _operation(
    summary: str, description: str, body: Schema, parameters: tuple[str, ...] = ()
) -> Schema:
    """A GET that answers JSON, cacheably; with parameters it can also answer 400."""
    responses: dict[str, Schema] = {
        "200": {
            "description": "OK",
            "headers": {
                "Cache-Control": _ref("headers", "CacheControl"),
                "ETag": _ref("headers", "ETag"),
            },
            "content": {"application/json": {"schema": body}},
        },
        "304": {"description": "Oförändrat sedan If-None-Match."},
    }
    if parameters:
        responses["400"] = _ref("responses", "BadRequest")
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": [_ref("parameters", name) for name in parameters],
            "responses": responses,
        }
    }


def document(caveat: str) -> Schema:
    """The OpenAPI document of /api/v1, as a JSON-ready dict, saying how to read the numbers."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Trygghetsdialog: öppna data",
            "version": "1",
            "description": (
                "Kommundelar, mötesschema och indikatorer från medborgardialogerna om "
                "trygghet. Bara sammanräknade siffror: aldrig enskilda svar eller fritext. "
                "Svaret från /indicators bär texten caveat om hur siffrorna ska läsas: " + caveat
            ),
        },
        "paths": {
            f"{PREFIX}/": _operation(
                "Index",
                "En länk till varje resurs och till det här dokumentet.",
                _object(
                    {
                        "title": {"type": "string"},
                        "resources": _object(
                            dict.fromkeys(("districts", "meetings", "indicators"), _LINK)
                        ),
                        "openapi": _LINK,
                    }
                ),
            ),
            f"{PREFIX}/districts": _operation(
                "Kommundelar",
                "Alla kommundelar, i namnordning.",
                _object({"districts": {"type": "array", "items": _ref("schemas", "District")}}),
            ),
            f"{PREFIX}/meetings": _operation(
                "Möten",
                "Alla möten i tidsordning, även inställda, med länken till enkäten.",
                _object({"meetings": {"type": "array", "items": _ref("schemas", "Meeting")}}),
                ("year", "district"),
            ),
            f"{PREFIX}/indicators": _operation(
                "Indikatorer",
                "Varje indikator per kommundel och år, eller per möte: samma siffror som "
                "sidorna visar, med 95 % Wilsonintervall.",
                _object(
                    {
                        "min_answers": {"type": "integer", "minimum": 0},
                        "caveat": {"type": "string"},
                        "indicators": {"type": "array", "items": _ref("schemas", "Indicator")},
                    }
                ),
                ("year", "district", "per_meeting"),
            ),
            f"{PREFIX}/openapi.json": _operation(
                "Detta dokument",
                "API:ts beskrivning i OpenAPI 3.0.3.",
                {"type": "object", "required": ["openapi", "info", "paths"]},
            ),
        },
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": {
                "BadRequest": {
                    "description": "En parameter har ett ogiltigt värde.",
                    "content": {"application/json": {"schema": _ref("schemas", "Error")}},
                }
            },
            "headers": {
                "CacheControl": {
                    "required": True,
                    "schema": {"type": "string", "example": f"public, max-age={MAX_AGE}"},
                },
                "ETag": {"required": True, "schema": {"type": "string"}},
            },
        },
    }
