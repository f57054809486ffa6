"""`flask --app wsgi places import FILE --district NAME` and `places list [--json]`."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import BinaryIO

import click
from flask.cli import AppGroup

from feedback import audit, db
from feedback.inputs import decoded
from feedback.meetings import find_district
from feedback.models import Organisation
from feedback.organisations import district_ids
from feedback.organisations.cli import org_option
from feedback.places import PlaceListError, as_json, import_places, list_places, parse_places

places_cli = AppGroup("places", help="The named places of each district.")


@places_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--district", "district_name", required=True, help="The district's name.")
@org_option
def places_import(organisation: Organisation, file: BinaryIO, district_name: str) -> None:
    """Add a district's places from FILE, one per line, optionally `; lat, lon` ('-': stdin).

    A name already there keeps its place (a retired one is brought back); nothing is stored
    if any line is wrong.
    """
    district = find_district(db.session(), organisation.id, district_name)
    if district is None:
        raise click.BadParameter(f"no district called {district_name!r}", param_hint="--district")
    text, guessed = decoded(file.read())
    if guessed:
        click.echo(f"{file.name} is not UTF-8; read it as Windows-1252.", err=True)
    try:
        lines = parse_places(text, organisation.bounds)
    except PlaceListError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("nothing was stored") from None
    result = import_places(db.session(), district, lines)
    if result.changes():
        audit.record(db.session(), "cli", "places_changed", district.name, **result.changes())
    db.session().commit()
    click.echo(
        f"{district.name}: {len(result.added)} added, {len(result.restored)} brought back, "
        f"{len(result.moved)} moved, {len(result.unchanged)} already there.",
        err=True,
    )


@places_cli.command("list")
@click.option("--district", "district_name", help="Only this district's places.")
@click.option("--json", "as_json_", is_flag=True, help="Print a JSON array.")
@org_option
def places_list(organisation: Organisation, district_name: str | None, as_json_: bool) -> None:
    """Every place of the organisation by district, retired ones marked."""
    ids: Collection[int] = district_ids(db.session(), organisation.id)
    if district_name is not None:
        district = find_district(db.session(), organisation.id, district_name)
        if district is None:
            raise click.BadParameter(
                f"no district called {district_name!r}", param_hint="--district"
            )
        ids = [district.id]
    places = list_places(db.session(), ids)
    if as_json_:
        click.echo(json.dumps([as_json(p) for p in places], ensure_ascii=False, indent=2))
        return
    for place in places:
        where = f"  {place.latitude}, {place.longitude}" if place.latitude is not None else ""
        retired = "  (retired)" if place.retired_at else ""
        click.echo(f"{place.district.name}: {place.name}{where}{retired}")
