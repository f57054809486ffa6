"""Command-line interface: `flask --app wsgi db|backup|schedule|meetings|places|export ...`."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import click
import email_validator
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Connection, select

from feedback import audit, backup, db, demo, places, questionnaire
from feedback.export import (
    DIALECTS,
    Responses,
    aggregate_rows,
    chunks,
    codebook_json,
    codebook_rows,
    column_codebook,
    csv_text,
    xlsx,
)
from feedback.i18n import LANGUAGES
from feedback.inputs import decoded
from feedback.links import meeting_links, public_record
from feedback.meetings import (
    MeetingFields,
    find_district,
    get_or_create_district,
    import_meetings,
    list_districts,
    list_meetings,
    local,
)
from feedback.models import CHANNELS, ROLES, District, Meeting, Organisation, User, utcnow
from feedback.organisations import (
    OrganisationFields,
    create_organisation,
    district_ids,
    find_organisation,
)
from feedback.organisations.cli import org_option, orgs_cli, resolve
from feedback.places import list_places, place_names
from feedback.places.cli import places_cli
from feedback.reports import aggregates
from feedback.responses import Filters, months_before, purge_free_text, response_rows
from feedback.schedule import parse_schedule
from feedback.users import (
    AccountError,
    bootstrap_admin,
    create_user,
    find_user,
    list_users,
    update_user,
)

db_cli = AppGroup("db", help="Database migrations (Alembic).")
backup_cli = AppGroup("backup", help="The whole database to one file and back.")
schedule_cli = AppGroup("schedule", help="Meeting schedules in the published text format.")
seed_cli = AppGroup("seed", help="Load published data.")
meetings_cli = AppGroup("meetings", help="Scheduled meetings.")
users_cli = AppGroup("users", help="Staff accounts.")
export_cli = AppGroup("export", help="Exports for analysts.")
questionnaire_cli = AppGroup("questionnaire", help="The survey instrument's versions.")
retention_cli = AppGroup("retention", help="Deleting what may no longer be kept.")
demo_cli = AppGroup("demo", help="Synthetic data for looking at the pages.")


def alembic_config() -> AlembicConfig:
    """Alembic's config for migrations/."""
    folder = Path(current_app.root_path).parent / "migrations"
    config = AlembicConfig(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    return config


@contextmanager
def migrating() -> Iterator[AlembicConfig]:
    """Alembic's config bound to a connection to the app's database, in one transaction."""
    try:
        with (
            db.engine().connect() as connection,
            _foreign_keys_off(connection),
            connection.begin(),
        ):
            config = alembic_config()
            config.attributes["connection"] = connection
            yield config
            _check_foreign_keys(connection)
    except CommandError as error:  # an unknown revision and the like: a message, not a traceback
        raise click.ClickException(str(error)) from error


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, no foreign key checks while migrating, as Alembic's batch mode needs."""
    if connection.dialect.name != "sqlite":
        yield
        return
    # Batch mode copies a table and drops the old one; with the checks on, dropping a table
    # that rows point to fails. The pragma has no effect inside a transaction, so it goes first.
    raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse a migration that left a row pointing nowhere, which SQLite did not check."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            tables = sorted({row[0] for row in broken})
            raise click.ClickException(
                f"the migration would leave rows in {', '.join(tables)} pointing to nothing; "
                "nothing was changed"
            )


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    with migrating() as config:
        command.upgrade(config, revision)


@db_cli.command("downgrade")
@click.argument("revision")
@click.option(
    "--drop-responses", is_flag=True, help="Go on even where residents' answers would be lost."
)
def db_downgrade(revision: str, drop_responses: bool) -> None:
    """Migrate the database down to REVISION; refused where it would lose residents' answers."""
    with migrating() as config:
        connection = config.attributes["connection"]
        held = backup.answers_held(connection)
        command.downgrade(config, revision)
        # Measured, not predicted: the downgrade runs, and its transaction is rolled back.
        lost = backup.answers_lost(held, connection)
        if lost and not drop_responses:
            raise click.ClickException(
                f"downgrading to {revision} would delete residents' answers:\n  "
                + "\n  ".join(lost)
                + "\nNothing was changed. Take a backup first (`flask --app wsgi backup create "
                "FILE`), then run the downgrade again with --drop-responses."
            )
    if lost:
        click.echo(f"Downgraded to {revision}; deleted: {'; '.join(lost)}.", err=True)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    with migrating() as config:
        command.revision(config, message=message, autogenerate=True)


def _size(size: int | None) -> str:
    return f"{(size or 0) / 1_000_000:.1f} MB"


def _held(contents: backup.Contents) -> str:
    return f"{contents.responses} responses, revision {contents.revision or 'none'}"


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup_create(file: Path, force: bool) -> None:
    """Write the whole database to FILE; safe while the app serves."""
    if file.exists() and not force:
        raise click.ClickException(f"{file} exists; choose another name or give --force")
    try:
        made = backup.create(db.engine(), file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    audit.record(
        db.session(), "cli", "backup_created", str(file), responses=made.responses, size=made.size
    )
    db.session().commit()
    click.echo(f"Wrote {file}: {_size(made.size)}, {_held(made)}.")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that holds data without asking.")
def backup_restore(file: Path, yes: bool) -> None:
    """Replace everything in the database with the backup in FILE; stop the app first."""
    engine = db.engine()
    try:
        found = backup.read(engine, file)
        now = backup.describe(engine)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"The database {engine.url.render_as_string()} holds {_held(now)}.")
    click.echo(f"{file} ({_size(found.size)}) holds {_held(found)}; it replaces all of it.")
    if (now.revision or now.responses) and not yes:
        click.confirm("Replace the database?", abort=True)
    db.session().close()  # the restore must not wait for, or be read through, this session
    try:
        restored = backup.restore(engine, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {file}: {_held(restored)}.")
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if restored.revision != head:
        # The audit log of an older schema may not take today's events: only the message tells.
        click.echo(f"This code is at revision {head}: run `flask --app wsgi db upgrade`.")
        return
    # The event goes into the restored database, where it tells what happened to it.
    audit.record(db.session(), "cli", "backup_restored", str(file), responses=restored.responses)
    db.session().commit()


def _import_text(
    organisation: Organisation, text: str, year: int, dry_run: bool, as_json: bool
) -> None:
    session = db.session()
    known = [d.name for d in list_districts(session, organisation.id)]
    places = session.scalars(
        select(Meeting.place)
        .join(Meeting.district)
        .where(District.organisation_id == organisation.id)
        .distinct()
    ).all()
    rows = parse_schedule(text, year, known, places)
    if as_json:
        click.echo(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2))
    else:
        for row in rows:
            data = row.as_json()
            line = (
                f"{data['date']} {data['start']}–{data['end']} {data['district']}, {data['place']}"
            )
            click.echo(line + (f", {row.address}" if row.address else ""))
            for warning in row.warnings:
                click.echo(f"  ! {warning}")
    fields = []
    for row in rows:
        meeting = MeetingFields.from_parsed(row)
        if meeting is None:
            click.echo(f"Skipped, incomplete: {row.source}", err=True)
        else:
            fields.append(meeting)
    if dry_run:
        click.echo(f"Dry run: {len(fields)} meetings understood, nothing stored.", err=True)
        return
    result = import_meetings(session, organisation.id, fields)
    session.commit()
    click.echo(
        f"{len(result.created)} created, {len(result.existing)} already scheduled.", err=True
    )


@schedule_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--year", type=click.IntRange(1900, 2100), required=True)
@click.option("--dry-run", is_flag=True, help="Show what would be imported; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON array.")
@org_option
def schedule_import(
    organisation: Organisation, file: BinaryIO, year: int, dry_run: bool, as_json: bool
) -> None:
    """Import meetings from FILE in the published text format ('-' for standard input)."""
    text, guessed = decoded(file.read())
    if guessed:
        click.echo(f"{file.name} is not UTF-8; read it as Windows-1252.", err=True)
    _import_text(organisation, text, year, dry_run, as_json)


@seed_cli.command("borlange")
def seed_borlange() -> None:
    """Load Borlänge (organisation `borlange`), its districts and its published 2019 schedule;
    safe to run again."""
    seeds = resources.files("feedback") / "seeds"
    data = json.loads((seeds / "borlange.json").read_text(encoding="utf-8"))
    organisation = find_organisation(db.session(), data["organisation"]["slug"])
    if organisation is None:
        bounds = data["organisation"].get("bounds")
        fields = OrganisationFields(**{**data["organisation"], "bounds": tuple(bounds)})
        organisation = create_organisation(db.session(), fields)
    for name in data["districts"]:
        get_or_create_district(db.session(), organisation.id, name)
    text = (seeds / data["schedule"]).read_text(encoding="utf-8")
    _import_text(organisation, text, data["year"], dry_run=False, as_json=False)


@meetings_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@org_option
def meetings_list(organisation: Organisation, as_json: bool) -> None:
    """Every meeting of the organisation with its code and absolute links."""
    ids = district_ids(db.session(), organisation.id)
    items = [
        {"id": m.id, **public_record(m), **meeting_links(m)}
        for m in list_meetings(db.session(), district_ids=ids)
    ]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    for item in items:
        click.echo(
            f"{item['date']} {item['start']}–{item['end']}  {item['code']}  "
            f"{item['district']}, {item['place']}  {item['survey_url']}"
        )


def _districts(organisations: Sequence[Organisation], names: tuple[str, ...]) -> list[District]:
    """The districts named, each by its exact name in any case, in one of the organisations;
    an unknown name, or one that several of them have, is an error."""
    found = []
    for name in names:
        matches = [
            d for o in organisations if (d := find_district(db.session(), o.id, name)) is not None
        ]
        if not matches:
            raise click.BadParameter(f"no district called {name!r}", param_hint="--district")
        if len(matches) > 1:
            raise click.BadParameter(
                f"{name!r} is a district of several of the organisations: give one --org",
                param_hint="--district",
            )
        found.append(matches[0])
    return found


def _user(email: str) -> User:
    user = find_user(db.session(), email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    return user


def _audit_cli(action: str, user: User) -> None:
    audit.record(
        db.session(),
        "cli",
        action,
        user.email,
        role=user.role,
        organisations=[o.slug for o in user.organisations],
        districts=[d.name for d in user.districts],
        active=user.is_active,
    )


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option(
    "--org",
    "orgs",
    multiple=True,
    help="An organisation the account works for; repeat (police). Default: the only one.",
)
@click.option("--district", "districts", multiple=True, help="A coordinator's district; repeat.")
def users_create(email: str, role: str, orgs: tuple[str, ...], districts: tuple[str, ...]) -> None:
    """Create a staff account; the password comes from FEEDBACK_NEW_PASSWORD or a prompt."""
    try:
        email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        raise click.BadParameter(f"not an e-mail address: {error}", param_hint="EMAIL") from error
    organisations = [resolve(slug) for slug in orgs] or [resolve(None)]
    chosen = _districts(organisations, districts)
    password = os.environ.get("FEEDBACK_NEW_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = create_user(db.session(), email, password, role, organisations, chosen)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    _audit_cli("user_created", user)
    db.session().commit()
    click.echo(f"Created {role} {email}.")


@users_cli.command("list")
def users_list() -> None:
    """Every account: e-mail, role, active or not, organisations, a coordinator's districts."""
    for user in list_users(db.session()):
        districts = (
            ", ".join(d.name for d in user.districts) if user.role == "coordinator" else "all"
        )
        state = "active" if user.is_active else "deactivated"
        organisations = ", ".join(o.slug for o in user.organisations)
        click.echo(f"{user.email}\t{user.role}\t{state}\t{organisations}\t{districts}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def users_set_role(email: str, role: str) -> None:
    """Give an account another role."""
    user = _user(email)
    update_user(db.session(), user, role=role)
    _audit_cli("user_changed", user)
    db.session().commit()
    click.echo(f"{user.email} is now {role}.")


@users_cli.command("set-districts")
@click.argument("email")
@click.argument("districts", nargs=-1)
def users_set_districts(email: str, districts: tuple[str, ...]) -> None:
    """Set the districts a coordinator works in (none given: none)."""
    user = _user(email)
    update_user(db.session(), user, districts=_districts(user.organisations, districts))
    _audit_cli("user_changed", user)
    db.session().commit()
    click.echo(f"{user.email}: {', '.join(d.name for d in user.districts) or 'no districts'}.")


@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Stop an account from logging in and end its sessions; its history stays."""
    user = _user(email)
    update_user(db.session(), user, is_active=False)
    _audit_cli("user_changed", user)
    db.session().commit()
    click.echo(f"{user.email} is deactivated.")


@users_cli.command("bootstrap")
@click.option("--email", default="admin@example.org", show_default=True)
def users_bootstrap(email: str) -> None:
    """Create the first admin, printing its password once; does nothing if any user exists."""
    try:
        password = bootstrap_admin(db.session(), email)
    except AccountError as error:  # no organisation yet for the admin to work for
        raise click.ClickException(
            f"{error}: `flask --app wsgi orgs create SLUG --name NAME` makes one"
        ) from error
    db.session().commit()
    if password is None:
        click.echo("Staff accounts exist already; no admin created.")
    else:
        click.echo(f"Created the first admin.\n  e-mail:   {email}\n  password: {password}")
        click.echo("The password is shown only this once. Log in at /login and keep it safe.")


def _filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """The filters every export takes, as on the web page."""
    for option in reversed(
        [
            click.option("--year", type=click.IntRange(1900, 2100)),
            click.option("--district", help="A district's name."),
            click.option("--meeting", "meeting_code", help="A meeting's code."),
            click.option("--channel", type=click.Choice(CHANNELS)),
            click.option("--version", "questionnaire_version", type=int),
            click.option("--dialect", type=click.Choice(list(DIALECTS)), default="excel-sv"),
            click.option(
                "--out", type=click.File("wb", lazy=False), default="-", help="Default: stdout."
            ),
        ]
    ):
        command = option(command)
    return org_option(command)


def _district_id(organisation: Organisation, name: str | None) -> int | None:
    return _districts([organisation], (name,))[0].id if name else None


def _write_csv(out: BinaryIO, rows: Iterable[Sequence[object]], dialect: str) -> None:
    for line in csv_text(rows, dialect):
        out.write(line.encode("utf-8"))


@export_cli.command("responses")
@_filter_options
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--labels", type=click.Choice(list(LANGUAGES)), help="Answer labels, not codes.")
def export_responses(
    organisation: Organisation,
    out: BinaryIO,
    fmt: str,
    labels: str | None,
    dialect: str,
    district: str | None,
    **filters: Any,
) -> None:
    """Every response as CSV or XLSX: the same file as the web download with the same choices."""
    chosen = Filters(
        district_id=_district_id(organisation, district),
        district_ids=district_ids(db.session(), organisation.id),
        **filters,
    )
    table = Responses(labels=labels, place_names=place_names(db.session()))
    rows = table.table(response_rows(db.session(), filters=chosen))
    if fmt == "xlsx":
        for chunk in chunks(
            xlsx(rows, codebook_rows(list(LANGUAGES), current_app.config["MIN_ANSWERS"]))
        ):
            out.write(chunk)
    else:
        _write_csv(out, rows, dialect)
    audit.record(db.session(), "cli", "export", f"responses.{fmt}", rows=table.count)
    db.session().commit()


@export_cli.command("codebook")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--dialect", type=click.Choice(list(DIALECTS)), default="excel-sv")
@click.option("--out", type=click.File("wb", lazy=False), default="-", help="Default: stdout.")
def export_codebook(fmt: str, dialect: str, out: BinaryIO) -> None:
    """Every question key, its wording per language, and its codes and labels."""
    if fmt == "json":
        out.write(codebook_json(list(LANGUAGES), current_app.config["MIN_ANSWERS"]).encode("utf-8"))
    else:
        _write_csv(out, codebook_rows(list(LANGUAGES), current_app.config["MIN_ANSWERS"]), dialect)


@export_cli.command("aggregates")
@_filter_options
@click.option("--per-meeting", is_flag=True, help="One row per meeting, not per year.")
def export_aggregates(
    organisation: Organisation,
    out: BinaryIO,
    dialect: str,
    district: str | None,
    per_meeting: bool,
    **filters: Any,
) -> None:
    """The indicators per district and year (or meeting), cleared for publication as the pages."""
    min_n = current_app.config["MIN_ANSWERS"]
    numbers = aggregates(
        db.session(),
        questionnaire.current(),
        min_n,
        year=filters["year"],
        district_id=_district_id(organisation, district),
        district_ids=district_ids(db.session(), organisation.id),
        per_meeting=per_meeting,
    )
    _write_csv(out, aggregate_rows(numbers, questionnaire.current(), min_n), dialect)
    audit.record(db.session(), "cli", "export", "aggregates.csv", rows=len(numbers))
    db.session().commit()


@export_cli.command("places")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--dialect", type=click.Choice(list(DIALECTS)), default="excel-sv")
@click.option("--district", help="A district's name.")
@click.option("--codebook", is_flag=True, help="What each column holds, instead of the places.")
@click.option("--out", type=click.File("wb", lazy=False), default="-", help="Default: stdout.")
@org_option
def export_places(
    organisation: Organisation,
    fmt: str,
    dialect: str,
    district: str | None,
    codebook: bool,
    out: BinaryIO,
) -> None:
    """The places of every district (or one), retired ones too, as on the web."""
    if codebook:
        _write_csv(out, column_codebook(places.COLUMNS), dialect)
        return
    district_id = _district_id(organisation, district)
    ids = district_ids(db.session(), organisation.id)
    found = list_places(db.session(), ids if district_id is None else [district_id])
    if fmt == "xlsx":
        book = xlsx(places.export_rows(found), column_codebook(places.COLUMNS), title="Platser")
        for chunk in chunks(book):
            out.write(chunk)
    else:
        _write_csv(out, places.export_rows(found), dialect)
    audit.record(db.session(), "cli", "export", f"places.{fmt}", rows=len(found))
    db.session().commit()


@questionnaire_cli.command("sync")
def questionnaire_sync() -> None:
    """Register the questionnaire versions shipped in feedback/questionnaires/; safe to rerun."""
    try:
        changes = questionnaire.sync(db.session())
    except questionnaire.ChangedWording as error:
        raise click.ClickException(str(error)) from error
    db.session().commit()
    for change in changes:
        click.echo(change)
    click.echo(f"Questionnaire version {questionnaire.current().version} takes new responses.")


@retention_cli.command("purge")
def retention_purge() -> None:
    """Delete free text FREE_TEXT_RETENTION_MONTHS after its meeting; fit for a daily cron job."""
    months = current_app.config["FREE_TEXT_RETENTION_MONTHS"]
    deleted = purge_free_text(db.session(), months_before(local(utcnow()), months))
    db.session().commit()
    click.echo(f"Deleted {deleted} free-text answers from meetings over {months} months old.")


@demo_cli.command("seed")
@click.option("--year", type=int, help="Default: the newest year with meetings.")
@click.option("--random-seed", type=int, default=2019, show_default=True)
@click.option(
    "--responses",
    type=click.IntRange(1, 20_000_000),
    help="This many responses, written in bulk (benchmarks); default: 6–14 per meeting.",
)
def demo_seed(year: int | None, random_seed: int, responses: int | None) -> None:
    """Fill a development database with synthetic answers for two years, marked as demo."""
    year = year or max((local(m.starts_at).year for m in list_meetings(db.session())), default=0)
    if not year:
        raise click.ClickException("no meetings to answer; run `flask seed borlange` first")
    try:
        rng = random.Random(random_seed)
        current = questionnaire.current()
        if responses:
            made = demo.seed_many(db.session(), current, year, responses, rng)
        else:
            made = demo.seed(db.session(), current, year, rng)
    except demo.RealResponsesExist as error:
        raise click.ClickException(
            "this database holds real responses; demo data is only for empty databases"
        ) from error
    db.session().commit()
    click.echo(f"Added {made} demo responses for {year - 1} and {year}, marked as demo.")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    groups = (db_cli, backup_cli, schedule_cli, seed_cli, meetings_cli, users_cli, export_cli)
    for group in (*groups, orgs_cli, places_cli, questionnaire_cli, retention_cli, demo_cli):
        app.cli.add_command(group)
