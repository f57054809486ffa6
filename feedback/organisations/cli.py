"""`flask --app wsgi orgs create SLUG --name NAME` and `orgs list`, and the `--org` option of
every command that works on one organisation's data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from feedback import audit, db
from feedback.models import Organisation
from feedback.organisations import (
    OrganisationError,
    OrganisationFields,
    create_organisation,
    find_organisation,
    list_organisations,
)
from feedback.organisations.web import reserved

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


@orgs_cli.command("list")
def orgs_list() -> None:
    """Every organisation: slug, name, host."""
    for organisation in list_organisations(db.session()):
        click.echo(f"{organisation.slug}\t{organisation.name}\t{organisation.host or ''}")
