"""Typed settings, read from the environment once and passed into the app factory.

Three presets: ``demo`` (embedded defaults, generated development keys in the instance
folder), ``test`` (throw-away keys, CSRF on) and ``production`` (every secret required).
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

PRESETS = ("demo", "test", "production")
# The service area by default: Dordrecht's postcode areas (PC4).
DORDRECHT_PC4 = frozenset({*(str(code) for code in range(3311, 3320)), "3328", "3329"})


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message is one line, Dutch / English."""

    def __init__(self, setting: str, dutch: str, english: str) -> None:
        self.setting = setting
        super().__init__(f"{setting}: {dutch} / {english}")


@dataclass(frozen=True)
class Settings:
    preset: str
    secret_key: str
    encryption_keys: tuple[str, ...]
    hash_key: str
    database_url: str
    instance_path: Path
    public_base_url: str = "http://127.0.0.1:5000"
    # Mail: in demo and test the outbox keeps the mail; production sends through SMTP.
    mail_server: str = "127.0.0.1"
    mail_port: int = 25
    mail_use_tls: bool = False
    mail_use_ssl: bool = False
    mail_username: str | None = None
    mail_password: str | None = None
    mail_sender: str = "Niemand Alleen <noreply@niemand-alleen.example.org>"
    mail_timeout_seconds: float = 10.0
    mail_write_eml_files: bool = False
    # Failed sends are retried after retry_seconds, doubling each time, up to max_attempts.
    mail_max_attempts: int = 8
    mail_retry_seconds: int = 60
    mail_batch_size: int = 200
    # Distribution: organisations of the resident's wijk and of wijken within this radius.
    distribution_radius_m: int = 1000
    # Matching: neighbours further than this are not proposed (0: no limit; neighbours who
    # asked to be asked again are then sought within 3 km); at most this many active
    # networks per neighbour; the coordinator checks the network this many days after a match.
    match_max_distance_m: int = 3000
    match_max_active_networks: int = 2
    match_followup_days: int = 42
    # Questionnaires for the evaluation (neighbours after match_followup_days, organisations
    # when an oproep closes): their single-use links expire after this many days.
    questionnaire_valid_days: int = 28
    # The service area (PC4). A neighbour from elsewhere signs up only after ticking that they
    # still want to help, and is never proposed further from the resident than this.
    service_area_pc4: frozenset[str] = DORDRECHT_PC4
    service_area_name: str = "Dordrecht"  # the service area as people know it, on the pages
    outside_area_max_distance_km: float = 2.0
    # Fewer confirmed sign-ups than this, this many days before the deadline: remind.
    reminder_min_signups: int = 3
    reminder_days_before_deadline: int = 3
    # Geocoding: "offline" uses the PC4/PC6 table, "pdok" asks the PDOK Locatieserver first.
    geocoder: str = "offline"
    pdok_base_url: str = "https://api.pdok.nl"
    geocoder_timeout_seconds: float = 3.0
    # Staff sessions (ASVS L2: 30 min idle, 12 h absolute).
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_free_failures: int = 10
    login_max_delay_seconds: int = 900
    # Staff roles that must use a second factor (TOTP) at login; others may enrol.
    second_factor_roles: frozenset[str] = frozenset({"beheerder", "coordinator", "buurtwerker"})
    proxy_count: int = 0
    # Intake: the version of the consent text residents agree to, and neighbours per oproep.
    consent_text_version: str = "2026-11"
    oproep_places: int = 3
    # Public sign-up of good neighbours: at most this many sign-ups per oproep, attempts per
    # client address and accepted sign-ups per oproep (or for the general form) per clock
    # hour (counted in the database, so every web worker shares them); confirm links expire.
    # The cap counts confirmed sign-ups only. Limits per sender (client address, e-mail
    # address) are checked before the shared ones (per oproep, the general form) and must
    # stay below them, so that no single sender can spend everybody's budget.
    signup_cap_per_oproep: int = 50
    signup_rate_per_address_per_hour: int = 10
    signup_rate_per_email_per_hour: int = 3
    signup_rate_per_oproep_per_hour: int = 30
    signup_rate_general_per_hour: int = 60
    signup_confirm_days: int = 7
    # Whom people can call or write when the service cannot help them on the spot (shown on
    # public pages and in mails); required in production.
    contact_phone: str | None = None
    contact_email: str | None = None
    contact_hours: str | None = None
    # How long a request waits for a database lock before it gives up with a clear message
    # (SQLite's busy timeout, PostgreSQL's lock_timeout).
    database_lock_timeout_ms: int = 5000
    deduce_cache_dir: Path | None = None
    # Retention in days (stated in the privacy statement; purged by the worker).
    retention_resident_closed_days: int = 90
    retention_volunteer_days: int = 60
    retention_mail_days: int = 30
    retention_audit_days: int = 730
    retention_questionnaire_days: int = 365
    # The worker holding the scheduler lease renews it every third of this; another worker
    # takes over only after it ran out (so at most this long after a crash).
    scheduler_lease_seconds: int = 90
    generated_keys_file: Path | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def anonymiser_cache_dir(self) -> Path:
        """Where deduce's lookup structures are built once and loaded from."""
        return self.deduce_cache_dir or self.instance_path / "deduce-cache"

    @property
    def contact_phone_link(self) -> str | None:
        """The ``tel:`` target of ``contact_phone``: digits only, in international form."""
        if not self.contact_phone:
            return None
        digits = re.sub(r"[^0-9+]", "", self.contact_phone)
        if digits.startswith("00"):
            return "+" + digits[2:]
        if digits.startswith("0"):
            return "+31" + digits[1:]
        return digits

    @property
    def is_production(self) -> bool:
        return self.preset == "production"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "ja", "on"}:
        return True
    if value in {"0", "false", "no", "nee", "off"}:
        return False
    raise ConfigError(name, "moet true of false zijn", "must be true or false")


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, "moet een geheel getal zijn", "must be a whole number") from None
    if value < minimum:
        raise ConfigError(name, f"moet minstens {minimum} zijn", f"must be at least {minimum}")
    return value


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, "moet een getal zijn", "must be a number") from None
    if not math.isfinite(value):
        raise ConfigError(name, "moet een getal zijn", "must be a number")
    if value <= 0:
        raise ConfigError(name, "moet groter dan 0 zijn", "must be greater than 0")
    return value


_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,22}")


def _contact_phone(environ: Mapping[str, str], preset: str) -> str | None:
    raw = " ".join(environ.get("CONTACT_PHONE", "").split())
    if not raw:
        if preset == "production":
            raise ConfigError(
                "CONTACT_PHONE", "ontbreekt, stel deze in", "is missing, please set it"
            )
        return None
    if not _PHONE.fullmatch(raw) or len(re.sub(r"\D", "", raw)) < 5:
        raise ConfigError(
            "CONTACT_PHONE",
            "moet een telefoonnummer zijn, bijvoorbeeld 078 123 45 67",
            "must be a phone number, for example 078 123 45 67",
        )
    return raw


def _contact_email(environ: Mapping[str, str]) -> str | None:
    raw = environ.get("CONTACT_EMAIL", "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", raw):
        raise ConfigError("CONTACT_EMAIL", "moet een e-mailadres zijn", "must be an e-mail address")
    return raw


_PC4 = re.compile(r"[1-9][0-9]{3}")
_PC4_RANGE = re.compile(r"([1-9][0-9]{3})-([1-9][0-9]{3})")


def parse_service_area(raw: str, setting: str = "SERVICE_AREA_PC4") -> frozenset[str]:
    """PC4 codes and ranges separated by commas or spaces (``3311-3319, 3328, 3329``)."""
    codes: set[str] = set()
    for part in re.split(r"[\s,;]+", re.sub(r"\s*-\s*", "-", raw.strip())):
        if not part:
            continue
        if _PC4.fullmatch(part):
            codes.add(part)
            continue
        found = _PC4_RANGE.fullmatch(part)
        if found is None or int(found[1]) > int(found[2]):
            shown = part if len(part) <= 20 else part[:20] + "…"
            raise ConfigError(
                setting,
                f"'{shown}' is geen postcodegebied: gebruik 4 cijfers (3311) of een reeks "
                "(3311-3319)",
                f"'{shown}' is not a postcode area: use 4 digits (3311) or a range (3311-3319)",
            )
        codes.update(str(code) for code in range(int(found[1]), int(found[2]) + 1))
    if not codes:
        raise ConfigError(
            setting,
            "bevat geen postcodegebied; laat de instelling weg voor Dordrecht",
            "holds no postcode area; leave it unset for Dordrecht",
        )
    return frozenset(codes)


_AREA_NAME = re.compile(r"[^\W\d_][\w '’.-]{0,59}")


def _service_area_name(environ: Mapping[str, str]) -> str:
    raw = " ".join(environ.get("SERVICE_AREA_NAME", "").split())
    if not raw:
        return "Dordrecht"
    if not _AREA_NAME.fullmatch(raw):
        raise ConfigError(
            "SERVICE_AREA_NAME",
            "moet een plaatsnaam zijn: letters, spaties en koppeltekens, hoogstens 60 tekens",
            "must be a place name: letters, spaces and hyphens, at most 60 characters",
        )
    return raw


def _service_area(environ: Mapping[str, str]) -> frozenset[str]:
    raw = environ.get("SERVICE_AREA_PC4")
    return DORDRECHT_PC4 if raw is None or raw == "" else parse_service_area(raw)


@dataclass(frozen=True)
class _SignupLimits:
    per_address: int
    per_email: int
    per_oproep: int
    general: int


def _signup_limits(environ: Mapping[str, str]) -> _SignupLimits:
    limits = _SignupLimits(
        per_address=_int(environ, "SIGNUP_RATE_PER_ADDRESS_PER_HOUR", 10, minimum=1),
        per_email=_int(environ, "SIGNUP_RATE_PER_EMAIL_PER_HOUR", 3, minimum=1),
        per_oproep=_int(environ, "SIGNUP_RATE_PER_OPROEP_PER_HOUR", 30, minimum=1),
        general=_int(environ, "SIGNUP_RATE_GENERAL_PER_HOUR", 60, minimum=1),
    )
    if limits.per_address >= min(limits.per_oproep, limits.general):
        raise ConfigError(
            "SIGNUP_RATE_PER_ADDRESS_PER_HOUR",
            "moet kleiner zijn dan de gedeelde limieten (per oproep en algemeen)",
            "must be below the shared limits (per oproep and general)",
        )
    return limits


def _require(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(name, "ontbreekt, stel deze in", "is missing, please set it")
    return value


def parse_encryption_keys(raw: str, setting: str = "ENCRYPTION_KEYS") -> tuple[str, ...]:
    """Comma-separated Fernet keys; the first encrypts, all decrypt (rotation)."""
    keys = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not keys:
        raise ConfigError(setting, "ontbreekt, stel deze in", "is missing, please set it")
    for key in keys:
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ConfigError(
                setting,
                "bevat een sleutel die geen geldige Fernet-sleutel is",
                "contains a key that is not a valid Fernet key",
            ) from None
    return keys


STAFF_ROLES = ("beheerder", "coordinator", "buurtwerker")


def _second_factor_roles(environ: Mapping[str, str], preset: str) -> frozenset[str]:
    """Every staff role by default in production (R1.12, ASVS 6.3.3), and never without
    coordinators and beheerders there. The demo and test presets require none by default: the
    demo must be usable without an authenticator app (anyone may still enrol under *Mijn
    account*, and ``SECOND_FACTOR_ROLES`` switches it on); tests switch it on themselves."""
    raw = environ.get("SECOND_FACTOR_ROLES")
    if raw is None:
        return frozenset(STAFF_ROLES) if preset == "production" else frozenset()
    roles = frozenset(part.strip().lower() for part in raw.split(",") if part.strip())
    if not roles <= set(STAFF_ROLES):
        raise ConfigError(
            "SECOND_FACTOR_ROLES",
            f"kies uit {', '.join(STAFF_ROLES)}",
            f"choose from {', '.join(STAFF_ROLES)}",
        )
    if preset == "production" and not {"beheerder", "coordinator"} <= roles:
        raise ConfigError(
            "SECOND_FACTOR_ROLES",
            "beheerders en coördinatoren gebruiken altijd een tweede stap",
            "beheerders and coordinators always need a second factor",
        )
    return roles


def _demo_keys(instance_path: Path) -> tuple[dict[str, Any], Path]:
    """Development keys, generated once and kept in the instance folder (mode 0600)."""
    path = instance_path / "demo-keys.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8")), path
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HASH_KEY": secrets.token_urlsafe(48),
    }
    # Written in full under a private name (mkstemp: mode 0600), then linked in place: a
    # worker and a web process starting at the same moment share the first one's keys and
    # never read half a file.
    fd, scratch = tempfile.mkstemp(dir=instance_path, prefix=".demo-keys-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(keys, handle, indent=2)
        try:
            os.link(scratch, path)
        except FileExistsError:
            return json.loads(path.read_text(encoding="utf-8")), path
    finally:
        os.unlink(scratch)
    return keys, path


def load_settings(
    preset: str, environ: Mapping[str, str] | None = None, instance_path: Path | None = None
) -> Settings:
    """Build settings for a preset from the environment; production refuses missing secrets."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    if preset not in PRESETS:
        raise ConfigError(
            "preset", f"onbekend, kies uit {', '.join(PRESETS)}", f"unknown, use {PRESETS}"
        )
    instance = Path(instance_path or env.get("INSTANCE_PATH") or Path.cwd() / "instance")
    instance = instance.resolve()
    generated_keys_file: Path | None = None

    if preset == "production":
        secret_key = _require(env, "SECRET_KEY")
        if len(secret_key) < 32:
            raise ConfigError(
                "SECRET_KEY", "moet minstens 32 tekens lang zijn", "must be at least 32 characters"
            )
        encryption_keys = parse_encryption_keys(_require(env, "ENCRYPTION_KEYS"))
        hash_key = _require(env, "HASH_KEY")
        if len(hash_key) < 32:
            raise ConfigError(
                "HASH_KEY", "moet minstens 32 tekens lang zijn", "must be at least 32 characters"
            )
        database_url = _require(env, "DATABASE_URL")
        if database_url.startswith("sqlite"):
            raise ConfigError(
                "DATABASE_URL",
                "productie draait op PostgreSQL, niet op SQLite",
                "production runs on PostgreSQL, not SQLite",
            )
        public_base_url = _require(env, "PUBLIC_BASE_URL")
    elif preset == "demo":
        keys, generated_keys_file = _demo_keys(instance)
        secret_key = env.get("SECRET_KEY") or keys["SECRET_KEY"]
        encryption_keys = parse_encryption_keys(
            env.get("ENCRYPTION_KEYS") or keys["ENCRYPTION_KEYS"]
        )
        hash_key = env.get("HASH_KEY") or keys["HASH_KEY"]
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'niemand-alleen.sqlite3'}"
        public_base_url = env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    else:  # test
        secret_key = secrets.token_urlsafe(48)
        encryption_keys = (Fernet.generate_key().decode(),)
        hash_key = secrets.token_urlsafe(48)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'test.sqlite3'}"
        public_base_url = "http://127.0.0.1:5000"

    second_factor_roles = _second_factor_roles(env, preset)
    signup_limits = _signup_limits(env)
    geocoder = env.get("GEOCODER", "offline").strip().lower()
    if geocoder not in {"offline", "pdok"}:
        raise ConfigError("GEOCODER", "moet offline of pdok zijn", "must be offline or pdok")

    settings = Settings(
        preset=preset,
        secret_key=secret_key,
        encryption_keys=encryption_keys,
        hash_key=hash_key,
        database_url=database_url,
        instance_path=instance,
        public_base_url=public_base_url.rstrip("/"),
        mail_use_tls=_bool(env, "MAIL_USE_TLS", preset == "production"),
        # Production always sends over SMTP; demo writes files unless told otherwise.
        mail_write_eml_files=preset != "production"
        and _bool(env, "MAIL_WRITE_EML_FILES", preset == "demo"),
        geocoder=geocoder,
        second_factor_roles=second_factor_roles,
        signup_rate_per_address_per_hour=signup_limits.per_address,
        signup_rate_per_email_per_hour=signup_limits.per_email,
        signup_rate_per_oproep_per_hour=signup_limits.per_oproep,
        signup_rate_general_per_hour=signup_limits.general,
        contact_phone=_contact_phone(env, preset),
        contact_email=_contact_email(env),
        service_area_pc4=_service_area(env),
        service_area_name=_service_area_name(env),
        generated_keys_file=generated_keys_file,
    )
    generic: dict[str, Any] = {
        declared.attribute: _read_declared(declared, env)
        for declared in DECLARED_SETTINGS
        if declared.kind != "special" and declared.attribute is not None
    }
    return replace(settings, **generic)


# --- every setting, declared once ------------------------------------------------------------
#
# The environment variable, the ``Settings`` attribute it fills, how it is read, and what it
# means. ``load_settings`` reads the ``kind``-ed ones generically and the "special" ones with
# their own checks; ``docs/configuration.md``'s table is generated from this list
# (``niemand-alleen settings-table --write docs/configuration.md``) and a test keeps
# them in step.

KINDS = ("int", "float", "bool", "text", "optional_text", "path", "special")


@dataclass(frozen=True)
class Declared:
    env: str
    meaning: str
    attribute: str | None = None  # None: read before the settings exist (the preset)
    kind: str = "special"
    minimum: int = 1  # for "int"
    secret: bool = False
    shown_default: str | None = None  # when the field's default alone would mislead


DECLARED_SETTINGS: tuple[Declared, ...] = (
    Declared(
        env="NIEMAND_ALLEEN_PRESET",
        shown_default="`demo` for `niemand-alleen`; `production` for `niemand_alleen.wsgi`",
        meaning="`demo`, `test` or `production`",
    ),
    Declared(
        env="SECRET_KEY",
        attribute="secret_key",
        shown_default="demo: generated in `instance/demo-keys.json`; production: required",
        secret=True,
        meaning=(
            "signs session cookies, CSRF tokens and the links in mails (confirm and withdraw links"
            " of good neighbours, unsubscribe links of organisations); at least 32 characters in "
            "production. Changing it ends every staff session and makes the links in mails already"
            " sent invalid"
        ),
    ),
    Declared(
        env="ENCRYPTION_KEYS",
        attribute="encryption_keys",
        shown_default="demo: generated; production: required",
        secret=True,
        meaning=(
            "comma-separated Fernet keys; the first encrypts, all decrypt. Rotation: "
            "[operations.md](operations.md#keys)"
        ),
    ),
    Declared(
        env="HASH_KEY",
        attribute="hash_key",
        shown_default="demo: generated; production: required",
        secret=True,
        meaning=(
            "key of the keyed hashes (HMAC-SHA256) used for look-ups: staff and good neighbours' "
            "e-mail addresses, recovery codes, sign-up rate limits; at least 32 characters in "
            "production. Never change it on a running installation: there is no command to "
            "re-hash, and staff could no longer log in"
        ),
    ),
    Declared(
        env="DATABASE_URL",
        attribute="database_url",
        shown_default=(
            "demo: `sqlite:///` + `<instance>/niemand-alleen.sqlite3`; production: required"
        ),
        secret=True,
        meaning=(
            "production: `postgresql+psycopg://user:password@host/db` (add `?sslmode=verify-full` "
            "for a database on another host); SQLite is refused in production"
        ),
    ),
    Declared(
        env="PUBLIC_BASE_URL",
        attribute="public_base_url",
        shown_default=(
            "`http://127.0.0.1:5000`; the demo command: the address it serves on; production: "
            "required"
        ),
        meaning="the address people use; links in mails start with it",
    ),
    Declared(
        env="CONTACT_PHONE",
        attribute="contact_phone",
        shown_default="none; production: required",
        meaning=(
            "the service's phone number (for example `078 123 45 67`); shown when a sign-up cannot"
            " be taken and on error pages, as a `tel:` link"
        ),
    ),
    Declared(
        env="CONTACT_EMAIL",
        attribute="contact_email",
        shown_default="none",
        meaning="the service's e-mail address, shown beside the phone number as a `mailto:` link",
    ),
    Declared(
        env="CONTACT_HOURS",
        attribute="contact_hours",
        kind="optional_text",
        meaning=(
            "when the phone is answered, in words (for example `maandag tot en met vrijdag van"
            " 9.00 tot 17.00 uur`); shown beside the phone number"
        ),
    ),
    Declared(
        env="INSTANCE_PATH",
        attribute="instance_path",
        shown_default="`instance/` in the current folder",
        meaning=(
            "folder for the demo database, demo keys, demo mail files and (by default) the "
            "anonymiser's cache; owner-only (0700)"
        ),
    ),
    Declared(
        env="MAIL_SERVER",
        attribute="mail_server",
        kind="text",
        meaning="address of the SMTP relay",
    ),
    Declared(
        env="MAIL_PORT",
        attribute="mail_port",
        kind="int",
        meaning="port of the SMTP relay",
    ),
    Declared(
        env="MAIL_USE_TLS",
        attribute="mail_use_tls",
        shown_default="on in production, off otherwise",
        meaning="STARTTLS to the relay",
    ),
    Declared(
        env="MAIL_USE_SSL",
        attribute="mail_use_ssl",
        kind="bool",
        shown_default="off",
        meaning="TLS from the first byte (SMTPS)",
    ),
    Declared(
        env="MAIL_USERNAME",
        attribute="mail_username",
        kind="optional_text",
        shown_default="none",
        meaning="relay user name",
    ),
    Declared(
        env="MAIL_PASSWORD",
        attribute="mail_password",
        kind="optional_text",
        shown_default="none",
        secret=True,
        meaning="relay password",
    ),
    Declared(
        env="MAIL_SENDER",
        attribute="mail_sender",
        kind="text",
        meaning="From address",
    ),
    Declared(
        env="MAIL_TIMEOUT_SECONDS",
        attribute="mail_timeout_seconds",
        kind="float",
        meaning="timeout of every SMTP socket operation (smtplib has none of its own)",
    ),
    Declared(
        env="MAIL_WRITE_EML_FILES",
        attribute="mail_write_eml_files",
        shown_default="on in the demo, off in test",
        meaning=(
            "demo and test only: write each mail as an `.eml` file in `<instance>/mail/` instead "
            "of sending it; production always sends"
        ),
    ),
    Declared(
        env="MAIL_MAX_ATTEMPTS",
        attribute="mail_max_attempts",
        kind="int",
        meaning="a mail fails for good after this many failed attempts",
    ),
    Declared(
        env="MAIL_RETRY_SECONDS",
        attribute="mail_retry_seconds",
        kind="int",
        meaning="wait after the first failed attempt, doubling each time",
    ),
    Declared(
        env="MAIL_BATCH_SIZE",
        attribute="mail_batch_size",
        kind="int",
        meaning="mails sent per run of `send-outbox`, over one SMTP connection",
    ),
    Declared(
        env="DISTRIBUTION_RADIUS_M",
        attribute="distribution_radius_m",
        kind="int",
        minimum=0,
        meaning=(
            "wijken within this many metres of the resident's location (to the wijk boundary) join"
            " the search area; `0`: only the resident's wijk"
        ),
    ),
    Declared(
        env="MATCH_MAX_DISTANCE_M",
        attribute="match_max_distance_m",
        kind="int",
        minimum=0,
        meaning=(
            "good neighbours further from the resident are not proposed; `0`: no limit (neighbours"
            " who asked to be asked again are then sought within 3 km)"
        ),
    ),
    Declared(
        env="SERVICE_AREA_PC4",
        attribute="service_area_pc4",
        shown_default="Dordrecht: `3311-3319,3328,3329`",
        meaning=(
            "the service area: postcode areas (PC4) and ranges, separated by commas. A neighbour "
            "whose postcode lies outside it signs up only after ticking that they still want to "
            "help, and is marked *buiten werkgebied*"
        ),
    ),
    Declared(
        env="SERVICE_AREA_NAME",
        attribute="service_area_name",
        shown_default="`Dordrecht`",
        meaning=(
            "the service area as people know it, in the sign-up form's question to a neighbour "
            'from outside it ("Uw postcode ligt buiten Dordrecht"); letters, spaces and '
            "hyphens, at most 60 characters"
        ),
    ),
    Declared(
        env="OUTSIDE_AREA_MAX_DISTANCE_KM",
        attribute="outside_area_max_distance_km",
        kind="float",
        meaning=(
            "a good neighbour from outside the service area is proposed only to residents within "
            "this many kilometres (and within `MATCH_MAX_DISTANCE_M`, whichever is smaller)"
        ),
    ),
    Declared(
        env="MATCH_MAX_ACTIVE_NETWORKS",
        attribute="match_max_active_networks",
        kind="int",
        meaning="a good neighbour already confirmed in this many active networks is not proposed",
    ),
    Declared(
        env="MATCH_FOLLOWUP_DAYS",
        attribute="match_followup_days",
        kind="int",
        meaning=(
            "days after a match when the coordinator is asked whether the network is still active"
        ),
    ),
    Declared(
        env="QUESTIONNAIRE_VALID_DAYS",
        attribute="questionnaire_valid_days",
        kind="int",
        meaning=(
            "days a questionnaire link for the evaluation works (mailed to good neighbours "
            "`MATCH_FOLLOWUP_DAYS` after a match, to organisations when an oproep closes)"
        ),
    ),
    Declared(
        env="REMINDER_MIN_SIGNUPS",
        attribute="reminder_min_signups",
        kind="int",
        meaning=(
            "remind the coordinator when an open oproep has fewer confirmed sign-ups than this …"
        ),
    ),
    Declared(
        env="REMINDER_DAYS_BEFORE_DEADLINE",
        attribute="reminder_days_before_deadline",
        kind="int",
        meaning="… this many days before its deadline",
    ),
    Declared(
        env="GEOCODER",
        attribute="geocoder",
        shown_default="`offline`",
        meaning=(
            "`offline` (the PC4/PC6 table) or `pdok` (PDOK Locatieserver first, the table as "
            "fallback)"
        ),
    ),
    Declared(
        env="PDOK_BASE_URL",
        attribute="pdok_base_url",
        kind="text",
        meaning="address of the PDOK Locatieserver",
    ),
    Declared(
        env="GEOCODER_TIMEOUT_SECONDS",
        attribute="geocoder_timeout_seconds",
        kind="float",
        meaning="timeout of one PDOK request",
    ),
    Declared(
        env="SESSION_IDLE_MINUTES",
        attribute="session_idle_minutes",
        kind="int",
        meaning="a staff session ends after this long without activity",
    ),
    Declared(
        env="SESSION_ABSOLUTE_HOURS",
        attribute="session_absolute_hours",
        kind="int",
        meaning="a staff session ends after this long in any case",
    ),
    Declared(
        env="LOGIN_FREE_FAILURES",
        attribute="login_free_failures",
        kind="int",
        meaning=(
            "wrong passwords (or codes) per account before it must wait; the wait starts at 30 s "
            "and doubles per further failure …"
        ),
    ),
    Declared(
        env="LOGIN_MAX_DELAY_SECONDS",
        attribute="login_max_delay_seconds",
        kind="int",
        meaning="… up to this maximum",
    ),
    Declared(
        env="SECOND_FACTOR_ROLES",
        attribute="second_factor_roles",
        shown_default="production: `beheerder,coordinator,buurtwerker`; demo and test: none",
        meaning=(
            "staff roles that must log in with a second factor (TOTP); choose from `beheerder`, "
            "`coordinator`, `buurtwerker`. Production refuses a list without `beheerder` and "
            "`coordinator`. Anyone may enrol under *Mijn account*"
        ),
    ),
    Declared(
        env="PROXY_COUNT",
        attribute="proxy_count",
        kind="int",
        minimum=0,
        meaning=(
            "number of trusted reverse proxies in front; their `X-Forwarded-For` and "
            "`X-Forwarded-Proto` are believed (client address for the rate limits, https)"
        ),
    ),
    Declared(
        env="SCHEDULER_LEASE_SECONDS",
        attribute="scheduler_lease_seconds",
        kind="int",
        minimum=3,
        meaning=(
            "length of the worker's lease; it is renewed every third of this, and another worker "
            "takes over only after it ran out"
        ),
    ),
    Declared(
        env="DATABASE_LOCK_TIMEOUT_MS",
        attribute="database_lock_timeout_ms",
        kind="int",
        minimum=100,
        meaning=(
            "how long a statement waits for a lock (SQLite busy timeout, PostgreSQL "
            "`lock_timeout`) before the request gives up with a clear message"
        ),
    ),
    Declared(
        env="SIGNUP_RATE_PER_ADDRESS_PER_HOUR",
        attribute="signup_rate_per_address_per_hour",
        shown_default="`10`",
        meaning="sign-up attempts per client address per hour; must stay below both shared limits",
    ),
    Declared(
        env="SIGNUP_RATE_PER_EMAIL_PER_HOUR",
        attribute="signup_rate_per_email_per_hour",
        shown_default="`3`",
        meaning="sign-up attempts per e-mail address per hour",
    ),
    Declared(
        env="SIGNUP_RATE_PER_OPROEP_PER_HOUR",
        attribute="signup_rate_per_oproep_per_hour",
        shown_default="`30`",
        meaning="sign-ups per oproep per hour, shared by everybody",
    ),
    Declared(
        env="SIGNUP_RATE_GENERAL_PER_HOUR",
        attribute="signup_rate_general_per_hour",
        shown_default="`60`",
        meaning="sign-ups through the general form per hour, shared by everybody",
    ),
    Declared(
        env="SIGNUP_CAP_PER_OPROEP",
        attribute="signup_cap_per_oproep",
        kind="int",
        meaning="confirmed sign-ups after which an oproep is full",
    ),
    Declared(
        env="SIGNUP_CONFIRM_DAYS",
        attribute="signup_confirm_days",
        kind="int",
        meaning="days a good neighbour's confirm link works",
    ),
    Declared(
        env="CONSENT_TEXT_VERSION",
        attribute="consent_text_version",
        kind="text",
        meaning="version of the consent text, recorded with a resident's explicit consent",
    ),
    Declared(
        env="OPROEP_PLACES",
        attribute="oproep_places",
        kind="int",
        meaning="how many good neighbours an oproep looks for",
    ),
    Declared(
        env="RETENTION_RESIDENT_CLOSED_DAYS",
        attribute="retention_resident_closed_days",
        kind="int",
        meaning=(
            "days after a resident's case closed before their data is deleted (the oproep keeps "
            "only PC4, wijk and dates)"
        ),
    ),
    Declared(
        env="RETENTION_VOLUNTEER_DAYS",
        attribute="retention_volunteer_days",
        kind="int",
        meaning=(
            "days after an oproep ended before its unmatched sign-ups are blanked (unless they "
            "asked to be asked again); a sign-up never confirmed is blanked a day after its "
            "confirm link expired"
        ),
    ),
    Declared(
        env="RETENTION_MAIL_DAYS",
        attribute="retention_mail_days",
        kind="int",
        meaning=(
            "days after sending before a mail's address and contents are deleted (its metadata "
            "stays)"
        ),
    ),
    Declared(
        env="RETENTION_AUDIT_DAYS",
        attribute="retention_audit_days",
        kind="int",
        minimum=30,
        meaning="days the audit log is kept",
    ),
    Declared(
        env="RETENTION_QUESTIONNAIRE_DAYS",
        attribute="retention_questionnaire_days",
        kind="int",
        meaning=(
            "days after answering before the open answer of an evaluation questionnaire is "
            "deleted (the scores stay)"
        ),
    ),
    Declared(
        env="DEDUCE_CACHE_DIR",
        attribute="deduce_cache_dir",
        kind="path",
        shown_default="`<instance>/deduce-cache`",
        meaning="where the anonymiser's lookup cache is built and read (owner-only)",
    ),
)


def _read_declared(declared: Declared, environ: Mapping[str, str]) -> object:
    """The value of a generically read setting, or its ``Settings`` default when not set."""
    assert declared.attribute is not None
    default = _field_default(declared.attribute)
    if declared.kind == "int":
        return _int(environ, declared.env, int(default), minimum=declared.minimum)
    if declared.kind == "float":
        return _float(environ, declared.env, float(default))
    if declared.kind == "bool":
        return _bool(environ, declared.env, bool(default))
    raw = environ.get(declared.env, "").strip()
    if declared.kind == "text":
        return raw or default
    if declared.kind == "optional_text":
        return raw or None
    if declared.kind == "path":
        return Path(raw) if raw else None
    raise AssertionError(declared.kind)


def _field_default(attribute: str) -> Any:
    found = next(f for f in fields(Settings) if f.name == attribute)
    return found.default


def _shown_default(declared: Declared) -> str:
    if declared.shown_default is not None:
        shown = declared.shown_default
    elif declared.attribute is None:
        shown = ""
    else:
        value = _field_default(declared.attribute)
        if value is None:
            shown = "none"
        elif isinstance(value, bool):
            shown = "on" if value else "off"
        elif isinstance(value, float) and value.is_integer():
            shown = f"`{int(value)}`"
        else:
            shown = f"`{value}`"
    if declared.kind == "int" and declared.minimum > 1:
        shown += f" (at least {declared.minimum})"
    return shown


def settings_table() -> str:
    """The settings as the Markdown table of ``docs/configuration.md``."""
    lines = ["| setting | default | secret | meaning |", "|---|---|---|---|"]
    for declared in DECLARED_SETTINGS:
        secret = "yes" if declared.secret else ""
        row = f"| `{declared.env}` | {_shown_default(declared)} | {secret} | {declared.meaning} |"
        lines.append(row.replace("|  |", "| |"))
    return "\n".join(lines) + "\n"


TABLE_START = "<!-- settings table: generated from niemand_alleen/config.py -->"
TABLE_END = "<!-- end of the settings table -->"


def with_settings_table(document: str) -> str:
    """``document`` with the part between the table markers replaced by ``settings_table``."""
    before, start, rest = document.partition(TABLE_START)
    _, end, after = rest.partition(TABLE_END)
    if not start or not end:
        raise ValueError("the document has no settings table markers")
    return f"{before}{TABLE_START}\n{settings_table()}{TABLE_END}{after}"
