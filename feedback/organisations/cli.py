"""`flask --app wsgi orgs create SLUG --name NAME` and `orgs list`, and the `--org` option of
every command that works on one organisation's data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any, BinaryIO

import click
from flask import current_app
from flask.cli import AppGroup

from feedback import audit, db
from feedback.models import Organisation
from feedback.organisations import (
    OrganisationError,
    OrganisationFields,
    create_organisation,
    fields_of,
    find_organisation,
    list_organisations,
    set_logo,
    update_organisation,
)
from feedback.organisations.web import reserved
from feedback.walks.photos import PhotoError, clean_photo

# A logo file as a designer hands it over; stored re-encoded, at most 600 pixels across.
LOGO_MAX_BYTES = 5 * 1024 * 1024

orgs_cli = AppGroup("orgs", help="The organisations (municipalities) of this installation.")


def resolve(slug: str | None) -> Organisation:
    """The organisation a command works on: the one named, or the only one."""
    if slug is not None:
        found = find_organisation(db.session(), slug)
        if found is None:
            raise click.BadParameter(f"no organisation {slug!r}", param_hint="--org")
        return found
    organisations = list_organisations(db.session())
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        raise click.ClickException(
            "no organisation yet: `flask --app wsgi orgs create SLUG --name NAME` makes one"
        )
    slugs = ", ".join(o.slug for o in organisations)
    raise click.UsageError(f"name the organisation with --org SLUG (one of {slugs})")


def org_option(command: Callable[..., None]) -> Callable[..., None]:
    """`--org SLUG`, handed to the command as `organisation`; optional when there is one."""

    @click.option("--org", "org_slug", help="The organisation's slug; default: the only one.")
    @functools.wraps(command)
    def run(org_slug: str | None, **kwargs: Any) -> None:
        command(organisation=resolve(org_slug), **kwargs)

    return run


@orgs_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help='As people say it: "Borlänge kommun".')
@click.option("--contact-email", default="", help="Named in the privacy notice.")
@click.option("--host", help="A host name of its own, e.g. trygghet.borlange.se.")
@click.option(
    "--colour", default=Organisation.DEFAULT_COLOUR, show_default=True, help="The posters' colour."
)
@click.option(
    "--bounds",
    nargs=4,
    type=float,
    help="Where its places can lie: south west north east, in degrees.",
)
def orgs_create(
    slug: str,
    name: str,
    contact_email: str,
    host: str | None,
    colour: str,
    bounds: tuple[float, float, float, float] | None,
) -> None:
    """Add an organisation; its public pages are then at /SLUG/."""
    fields = OrganisationFields(slug, name, contact_email, host, colour.lower(), bounds or None)
    try:
        organisation = create_organisation(db.session(), fields, reserved(current_app))
    except OrganisationError as error:
        raise click.ClickException(str(error)) from error
    audit.record(db.session(), "cli", "organisation_created", slug, name=organisation.name)
    db.session().commit()
    click.echo(f"Created {organisation.name}: its pages are at /{organisation.slug}/.")


@orgs_cli.command("update")
@click.argument("slug")
@click.option("--name", help='As people say it: "Borlänge kommun".')
@click.option("--contact-email", help="Named in the privacy notice.")
@click.option("--host", help="A host name of its own; an empty string takes it away.")
@click.option("--colour", help="The posters' colour, #rrggbb.")
@click.option("--bounds", nargs=4, type=float, help="South west north east, in degrees.")
@click.option("--logo", type=click.File("rb"), help="A JPEG, PNG or WebP for the posters.")
@click.option("--no-logo", is_flag=True, help="Take the posters' logo away.")
def orgs_update(
    slug: str,
    name: str | None,
    contact_email: str | None,
    host: str | None,
    colour: str | None,
    bounds: tuple[float, float, float, float] | None,
    logo: BinaryIO | None,
    no_logo: bool,
) -> None:
    """Change an organisation's settings; what is not given stays as it is."""
    organisation = resolve(slug)
    was = fields_of(organisation)
    fields = replace(
        was,
        name=was.name if name is None else name,
        contact_email=was.contact_email if contact_email is None else contact_email,
        host=was.host if host is None else host,
        colour=was.colour if colour is None else colour.lower(),
        bounds=bounds or was.bounds,
    )
    given: dict[str, object] = {
        "name": name,
        "contact_email": contact_email,
        "host": host,
        "colour": colour,
        "bounds": bounds or None,
    }
    try:
        update_organisation(db.session(), organisation, fields)
        if logo is not None:
            set_logo(db.session(), organisation, clean_photo(logo.read(), LOGO_MAX_BYTES, 600))
        elif no_logo:
            set_logo(db.session(), organisation, None)
    except (OrganisationError, PhotoError) as error:
        raise click.ClickException(str(error)) from error
    changed = [k for k, v in given.items() if v is not None] + (["logo"] if logo or no_logo else [])
    audit.record(db.session(), "cli", "organisation_changed", slug, changed=changed)
    db.session().commit()
    click.echo(f"Changed {organisation.name}: {', '.join(changed) or 'nothing'}.")


@orgs_cli.command("list")
def orgs_list() -> None:
    """Every organisation: slug, name, host."""
    for organisation in list_organisations(db.session()):
        click.echo(f"{organisation.slug}\t{organisation.name}\t{organisation.host or ''}")
