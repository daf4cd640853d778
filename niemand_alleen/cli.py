"""The ``niemand-alleen`` command: a Flask CLI group with the service's own commands."""

from __future__ import annotations

import copy
import dataclasses
import ipaddress
import json
import logging
import os
import shlex
import signal
import sys
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
import waitress
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from niemand_alleen import create_app
from niemand_alleen.anonymiser import Anonymiser
from niemand_alleen.anonymiser import warmup as anonymiser_warmup
from niemand_alleen.auth import AccountError, PasswordPolicyError, create_user, generate_password
from niemand_alleen.config import (
    PRESETS,
    TABLE_START,
    ConfigError,
    Settings,
    load_settings,
    settings_table,
    with_settings_table,
)
from niemand_alleen.dates import short_date
from niemand_alleen.db import database
from niemand_alleen.demo import seed_accounts, seed_organisations
from niemand_alleen.geo import (
    AreaDataError,
    AreaKind,
    Gazetteer,
    HouseNumberError,
    PointDataError,
    PostcodeError,
    load_area_geojson,
    load_point_csv,
)
from niemand_alleen.intake import anonymise_line
from niemand_alleen.jobs import (
    UnknownJobError,
    build_scheduler,
    job_statuses,
    run_job,
    stop_scheduler,
    worker_identity,
)
from niemand_alleen.maintenance import reencrypt_all
from niemand_alleen.matching import ranking_for, ranking_report, ranking_text
from niemand_alleen.models import Oproep, Role
from niemand_alleen.privacy import (
    SubjectKind,
    SubjectRef,
    UnknownSubjectError,
    erase_subject,
    export_subject,
)
from niemand_alleen.private_files import (
    keep_new_files_private,
    loose_paths,
    private_paths,
)
from niemand_alleen.reference import (
    cached_gazetteer,
    has_reference,
    import_reference,
    import_shipped_reference,
    locate_address,
)

PRESET_ENV = "NIEMAND_ALLEEN_PRESET"


def _app_from_environment() -> Flask:
    preset = os.environ.get(PRESET_ENV, "demo")
    try:
        settings = load_settings(preset)
    except ConfigError as error:
        click.echo(f"Fout in de configuratie / configuration error: {error}", err=True)
        sys.exit(2)
    return create_app(settings, migrations=_running_db_command())


def _running_db_command() -> bool:
    """Whether this run is one of Flask-Migrate's ``db`` commands: only those load alembic."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.find_root().invoked_subcommand == "db"


def _set_preset(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        os.environ[PRESET_ENV] = value


class ServiceGroup(FlaskGroup):
    """Flask's command group, for a service whose files are its user's alone."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # First of all: before the instance folder, keys or database can be created.
        keep_new_files_private()
        return super().main(*args, **kwargs)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "db":
            # Flask-Migrate's commands come from here rather than from the app: the web app
            # leaves Flask-Migrate (and alembic) out, and the app these commands load has it.
            from flask_migrate.cli import db as migrations

            return _checking_file_modes(migrations)
        return super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "db"})


def _checking_file_modes(migrations: click.Group) -> click.Group:
    """Flask-Migrate's ``db`` commands, whose ``check`` also checks the private files."""
    migration_check = migrations.commands.get("check")
    if migration_check is None:
        return migrations

    @with_appcontext
    def check(**options: Any) -> None:
        _warn_about_loose_files(current_app.config["SETTINGS"])
        click.get_current_context().invoke(migration_check, **options)

    group = copy.copy(migrations)  # its options and callback too: they set up Flask-Migrate
    group.commands = dict(migrations.commands)
    group.add_command(
        click.Command(
            "check",
            callback=check,
            params=migration_check.params,
            help="Kijk of er nieuwe migraties nodig zijn, en of de instance-map, de database, "
            "de sleutels en de cache van de anonimiseerder alleen voor de eigenaar zijn.",
        )
    )
    return group


def _warn_about_loose_files(settings: Settings) -> None:
    for loose in loose_paths(private_paths(settings)):
        click.echo(
            f"Let op: {loose.path} is niet alleen voor de eigenaar (rechten {loose.mode:04o}, "
            f"moet {loose.expected:04o} zijn). Herstel: chmod {loose.expected:o} "
            f"{shlex.quote(str(loose.path))}",
            err=True,
        )


@click.group(
    cls=ServiceGroup,
    create_app=_app_from_environment,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
@click.option(
    "--preset",
    type=click.Choice(PRESETS),
    callback=_set_preset,
    expose_value=False,
    is_eager=True,
    help=f"Configuration preset (default: ${PRESET_ENV} or demo).",
)
def main() -> None:
    """Niemand Alleen matching service."""


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)


@main.command("settings-table")
@click.option(
    "--write",
    "document",
    type=click.Path(exists=True, dir_okay=False, writable=True),
    help="Zet de tabel in dit document, tussen de markeringen (docs/configuration.md).",
)
def settings_table_command(document: str | None) -> None:
    """Toon de tabel van alle instellingen (Markdown), of zet hem in een document."""
    if document is None:
        click.echo(settings_table(), nl=False)
        return
    path = Path(document)
    try:
        path.write_text(with_settings_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    except ValueError:
        _fail(f"{document} heeft geen markeringen voor de tabel: {TABLE_START}")
    click.echo(f"Tabel van de instellingen gezet in {document}.")


@main.command("create-user")
@click.option("--email", required=True, help="E-mailadres (inlognaam).")
@click.option("--name", required=True, help="Naam zoals collega's die zien.")
@click.option(
    "--role", required=True, type=click.Choice([role.value for role in Role]), help="Rol."
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Lees het wachtwoord van standaardinvoer in plaats van er een te maken.",
)
@with_appcontext
def create_user_command(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Maak een account voor een medewerker."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else generate_password()
    try:
        with database().session() as session:
            user = create_user(session, email=email, name=name, role=Role(role), password=password)
            user_id = user.id
    except (AccountError, PasswordPolicyError) as error:
        _fail(f"Niet aangemaakt: {error.message}")
    click.echo(f"Account aangemaakt ({role}), id {user_id}.")
    if not password_stdin:
        click.echo(f"Wachtwoord (wordt maar één keer getoond): {password}")


@main.command("import-geo")
@click.option(
    "--wijken", type=click.Path(exists=True, dir_okay=False), help="CBS wijken (GeoJSON)."
)
@click.option(
    "--buurten", type=click.Path(exists=True, dir_okay=False), help="CBS buurten (GeoJSON)."
)
@click.option(
    "--points",
    type=click.Path(exists=True, dir_okay=False),
    multiple=True,
    help="PC4- of PC6-punten (CSV); mag vaker.",
)
@click.option("--source", default=None, help="Bronvermelding die bij de gegevens wordt bewaard.")
@click.option("--shipped", is_flag=True, help="Laad de meegeleverde gegevens van Dordrecht.")
@with_appcontext
def import_geo_command(
    wijken: str | None,
    buurten: str | None,
    points: tuple[str, ...],
    source: str | None,
    shipped: bool,
) -> None:
    """Laad wijken, buurten en postcodepunten; bij een fout wordt niets gewijzigd."""
    if not (shipped or wijken or buurten or points):
        _fail("Geef --shipped, of een of meer van --wijken, --buurten en --points.")
    try:
        with database().session() as session:
            if shipped:
                counts = import_shipped_reference(session)
            else:
                if not source:
                    _fail("Geef met --source de bron en licentie van de gegevens op.")
                counts = import_reference(
                    session,
                    wijken=load_area_geojson(wijken, AreaKind.WIJK) if wijken else [],
                    buurten=load_area_geojson(buurten, AreaKind.BUURT) if buurten else [],
                    points=[point for path in points for point in load_point_csv(path)],
                    source=source or "",
                )
    except (AreaDataError, PointDataError) as error:
        _fail(f"Niets geïmporteerd: {error}")
    click.echo(
        f"Geïmporteerd: {counts.wijken} wijken, {counts.buurten} buurten, "
        f"{counts.points} postcodepunten."
    )


@main.command("locate")
@click.argument("postcode")
@click.argument("house_number", required=False)
@with_appcontext
def locate_command(postcode: str, house_number: str | None) -> None:
    """Zoek de plaats, wijk en buurt van een adres op met de ingestelde geocoder."""
    settings: Settings = current_app.config["SETTINGS"]
    try:
        with database().session() as session:
            placed = locate_address(session, settings, postcode, house_number)
    except (PostcodeError, HouseNumberError) as error:
        _fail(error.message)
    location = placed.result.location
    if location is None:
        click.echo(f"{placed.postcode}: onbekende locatie (niet in de postcodetabel).")
        return
    wijk = placed.areas.wijk.short_name if placed.areas.wijk else "buiten het werkgebied"
    buurt = placed.areas.buurt.short_name if placed.areas.buurt else "-"
    click.echo(
        f"{placed.postcode}: {location.lat:.5f}, {location.lon:.5f} "
        f"({placed.result.label}); wijk {wijk}; buurt {buurt}"
    )


@main.command("anonymise")
@click.option("--jsonl", is_flag=True, help="Lees aanmeldingen als JSON Lines van standaardinvoer.")
@click.option("--warmup", is_flag=True, help="Bouw alleen de opzoekcache van deduce (eenmalig).")
@with_appcontext
def anonymise_command(jsonl: bool, warmup: bool) -> None:
    """Maak anonieme oproepteksten van aanmeldingen (laadt de anonimiseerder één keer)."""
    settings: Settings = current_app.config["SETTINGS"]
    if warmup:
        path = anonymiser_warmup(settings.anonymiser_cache_dir)
        click.echo(f"Cache van de anonimiseerder staat klaar in {path.parent}.")
        return
    if not jsonl:
        _fail("Geef --jsonl (aanmeldingen op standaardinvoer) of --warmup.")
    with database().session() as session:
        # The stored geography, or the shipped Dordrecht data when none was imported yet.
        gazetteer = cached_gazetteer(session) if has_reference(session) else Gazetteer.shipped()
    anonymiser = Anonymiser(settings.anonymiser_cache_dir)
    failed = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        result = anonymise_line(gazetteer, anonymiser, line)
        failed += "error" in result
        click.echo(json.dumps(result, ensure_ascii=False))
    if failed:
        sys.exit(1)


@main.command("match")
@click.argument("oproep_id")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@with_appcontext
def match_command(oproep_id: str, as_json: bool) -> None:
    """Toon de rangorde van goede buren voor een oproep: afstanden en wie afvalt en waarom."""
    try:
        parsed = uuid.UUID(oproep_id)
    except ValueError:
        _fail(f"Geen geldig oproepnummer: {oproep_id!r} (verwacht een UUID).")
    settings: Settings = current_app.config["SETTINGS"]
    with database().session() as session:
        oproep = session.get(Oproep, parsed)
        if oproep is None:
            _fail(f"Onbekende oproep: {parsed}.")
        assert oproep is not None
        ranking = ranking_for(session, settings, oproep)
    report = ranking_report(oproep, ranking)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(ranking_text(report))


@main.group("privacy")
def privacy_group() -> None:
    """Privacyverzoeken: inzage (export) en wissen van een goede buur of bewoner."""


def _subject_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(
        [
            click.option("--volunteer", "volunteer_id", help="Id van een aanmelding (goede buur)."),
            click.option("--email", help="E-mailadres van een goede buur (alle aanmeldingen)."),
            click.option("--resident", "resident_id", help="Id van een bewoner."),
        ]
    ):
        command = option(command)
    return command


def _subject_ref(
    volunteer_id: str | None, email: str | None, resident_id: str | None
) -> SubjectRef:
    given = [value for value in (volunteer_id, email, resident_id) if value is not None]
    if len(given) != 1:
        _fail(
            "Geef precies één van --volunteer, --email of --resident / "
            "give exactly one of --volunteer, --email or --resident."
        )
    if resident_id is not None:
        return SubjectRef(kind=SubjectKind.RESIDENT, record_id=resident_id)
    if email is not None:
        return SubjectRef(kind=SubjectKind.VOLUNTEER, email=email)
    return SubjectRef(kind=SubjectKind.VOLUNTEER, record_id=volunteer_id)


@privacy_group.command("export")
@_subject_options
@with_appcontext
def privacy_export_command(
    volunteer_id: str | None, email: str | None, resident_id: str | None
) -> None:
    """Schrijf alle gegevens over één persoon als JSON naar standaarduitvoer (art. 15)."""
    ref = _subject_ref(volunteer_id, email, resident_id)
    try:
        with database().session() as session:
            data = export_subject(session, ref, actor_user_id=None)
    except UnknownSubjectError as error:
        _fail(error.message)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@privacy_group.command("erase")
@_subject_options
@click.option("--yes", "confirmed", is_flag=True, help="Ja, echt wissen (kan niet terug).")
@with_appcontext
def privacy_erase_command(
    volunteer_id: str | None, email: str | None, resident_id: str | None, confirmed: bool
) -> None:
    """Wis de persoonsgegevens van één persoon; tellingen blijven (art. 17)."""
    ref = _subject_ref(volunteer_id, email, resident_id)
    if not confirmed:
        _fail("Wissen kan niet terug: voeg --yes toe / erasure cannot be undone: add --yes.")
    try:
        with database().session() as session:
            result = erase_subject(session, ref, actor_user_id=None)
    except UnknownSubjectError as error:
        _fail(error.message)
    click.echo(
        f"Gewist: {result.signups} aanmeldingen, {result.residents} bewoners, "
        f"{result.oproepen} oproepteksten, {result.matches} redenen, {result.mails} mailkopieën."
    )
    if result.organisations_to_notify:
        click.echo("Laat deze organisaties het weten (art. 19):")
        for name in result.organisations_to_notify:
            click.echo(f"  {name}")


@main.command("rotate-keys")
@with_appcontext
def rotate_keys_command() -> None:
    """Versleutel alle persoonsgegevens opnieuw met de eerste sleutel uit ENCRYPTION_KEYS."""
    with database().session() as session:
        rows = reencrypt_all(session)
    click.echo(f"{rows} records opnieuw versleuteld. Oude sleutels kunnen nu weg.")


@main.group("jobs")
def jobs_group() -> None:
    """Periodieke taken bekijken of met de hand uitvoeren."""


@jobs_group.command("list")
@with_appcontext
def jobs_list_command() -> None:
    """Toon alle periodieke taken met hun laatste en volgende run en laatste fout."""
    with database().session() as session:
        statuses = job_statuses(session)
    for status in statuses:
        last = _when(status.last_started)
        click.echo(f"{status.job.name}  (elke {status.job.every_seconds} s)")
        click.echo(f"  {status.job.description}")
        click.echo(f"  laatste run: {last} {status.outcome}".rstrip())
        next_run = _when(status.next_run) if status.next_run else "bij de start van de worker"
        click.echo(f"  volgende run: {next_run}")
        if status.last_error:
            click.echo(f"  laatste fout: {status.last_error}")


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "nog nooit"
    return short_date(moment, seconds=True)


@jobs_group.command("run")
@click.argument("name")
@with_appcontext
def jobs_run_command(name: str) -> None:
    """Voer één taak nu uit."""
    try:
        succeeded = run_job(current_app._get_current_object(), name)  # type: ignore[attr-defined]
    except UnknownJobError:
        _fail(f"Onbekende taak: {name}. Zie 'niemand-alleen jobs list'.")
    if not succeeded:
        _fail(f"Taak {name} is mislukt; zie 'niemand-alleen jobs list' voor de fout.")
    click.echo(f"Taak {name} uitgevoerd.")


@main.command("worker")
@with_appcontext
def worker_command() -> None:
    """Start de planner met alle periodieke taken (precies één per installatie)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _configure_logging()
    worker = worker_identity()
    _stop_cleanly_on_sigterm()
    click.echo("Worker gestart; stoppen met Ctrl+C.")
    scheduler = build_scheduler(app, worker, blocking=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass  # Ctrl+C or SIGTERM: the clean stop below
    finally:
        stop_scheduler(scheduler, app, worker)
    click.echo("Worker gestopt.")
    _leave_at_once(app)


def _leave_at_once(app: Flask) -> NoReturn:
    """End the stopped worker now, without the interpreter's teardown.

    With the anonymiser loaded, freeing deduce's lookup structures one object at a time
    takes the interpreter some ten seconds after the work is done, longer than a service
    manager's patience. Skipping it is safe here: every job has finished (the scheduler
    was shut down waiting for them), each committed and closed its own session, the
    lease release is committed, and nothing else holds data in memory that must reach a
    file. What the teardown would still do is done by hand: close the database's
    connections, flush the log handlers and the output. Only on the clean path: when the
    stop itself fails, the error leaves through the ordinary exit."""
    app.extensions["database"].engine.dispose()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Alleen database en demogegevens klaarzetten.")
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Start de demo: SQLite, demogegevens, webserver en planner in één proces."""
    os.environ[PRESET_ENV] = "demo"
    settings = demo_settings(host, port, os.environ)
    app = create_app(settings, migrations=True)
    _configure_logging()
    if settings.generated_keys_file is not None:
        click.echo(
            f"Ontwikkelsleutels staan in {settings.generated_keys_file} "
            "(alleen voor de demo, nooit voor productie)."
        )
    with app.app_context():
        from flask_migrate import upgrade  # the demo migrates its own database

        upgrade()
        with database().session() as session:
            if not has_reference(session):
                counts = import_shipped_reference(session)
                click.echo(
                    f"Kaartgegevens geladen: {counts.wijken} wijken, {counts.buurten} buurten."
                )
            accounts = seed_accounts(session)
            organisations = seed_organisations(session)
    if organisations:
        click.echo(f"{organisations} partnerorganisaties toegevoegd.")
    if accounts:
        click.echo("Demo-accounts (wachtwoorden worden maar één keer getoond):")
        for account in accounts:
            click.echo(f"  {account.role.value:<12} {account.email:<28} {account.password}")
    else:
        click.echo("Demo-accounts bestaan al; hun wachtwoorden zijn bij de eerste start getoond.")
    if not settings.second_factor_roles:
        click.echo(
            "De tweede stap (een code uit een authenticator-app) is in de demo niet verplicht; "
            "in productie wel. Probeer hem via Mijn account."
        )
    click.echo(f"Links in mails wijzen naar {settings.public_base_url}/")
    if no_serve:
        return
    worker = worker_identity()
    _stop_cleanly_on_sigterm()
    scheduler = build_scheduler(app, worker, blocking=False)
    try:
        scheduler.start()
        click.echo(f"Niemand Alleen draait op http://{host}:{port}/  (stoppen met Ctrl+C)")
        # Returns on Ctrl+C and on SIGTERM: waitress stops serving on either.
        waitress.serve(app, host=host, port=port, threads=8, _quiet=True)
    finally:
        stop_scheduler(scheduler, app, worker)


def demo_settings(host: str, port: int, env: Mapping[str, str]) -> Settings:
    """The demo's settings: links in its mails point at the address it serves on (so a
    demo on another port gets links that work), unless ``PUBLIC_BASE_URL`` says otherwise."""
    settings = load_settings("demo", env)
    if env.get("PUBLIC_BASE_URL"):
        return settings
    return dataclasses.replace(settings, public_base_url=_local_url(host, port))


def _local_url(host: str, port: int) -> str:
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None  # a host name
    if address is not None and address.is_unspecified:  # every interface: this one answers too
        host = "127.0.0.1"
    elif address is not None and address.version == 6:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _stop_cleanly_on_sigterm() -> None:
    """systemd and container runtimes stop with SIGTERM: leave through the same clean path
    as Ctrl+C, which lets running jobs finish and releases the scheduler lease."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # APScheduler announces every run at INFO; misses and errors still come through.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
