"""Typed settings, read from the environment once and passed into the app factory.

Three presets: ``demo`` (embedded defaults, generated development keys in the instance
folder), ``test`` (throw-away keys, CSRF on) and ``production`` (every secret required).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

PRESETS = ("demo", "test", "production")


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
    # How long a request waits for a database lock before it gives up with a clear message
    # (SQLite's busy timeout, PostgreSQL's lock_timeout).
    database_lock_timeout_ms: int = 5000
    deduce_cache_dir: Path | None = None
    # Retention in days (stated in the privacy statement; purged by the worker).
    retention_resident_closed_days: int = 90
    retention_volunteer_days: int = 60
    retention_mail_days: int = 30
    retention_audit_days: int = 730
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

    return Settings(
        preset=preset,
        secret_key=secret_key,
        encryption_keys=encryption_keys,
        hash_key=hash_key,
        database_url=database_url,
        instance_path=instance,
        public_base_url=public_base_url.rstrip("/"),
        mail_server=env.get("MAIL_SERVER", "127.0.0.1"),
        mail_port=_int(env, "MAIL_PORT", 25, minimum=1),
        mail_use_tls=_bool(env, "MAIL_USE_TLS", preset == "production"),
        mail_use_ssl=_bool(env, "MAIL_USE_SSL", False),
        mail_username=env.get("MAIL_USERNAME") or None,
        mail_password=env.get("MAIL_PASSWORD") or None,
        mail_sender=env.get("MAIL_SENDER", Settings.mail_sender),
        mail_timeout_seconds=_float(env, "MAIL_TIMEOUT_SECONDS", 10.0),
        # Production always sends over SMTP; demo writes files unless told otherwise.
        mail_write_eml_files=preset != "production"
        and _bool(env, "MAIL_WRITE_EML_FILES", preset == "demo"),
        mail_max_attempts=_int(env, "MAIL_MAX_ATTEMPTS", 8, minimum=1),
        mail_retry_seconds=_int(env, "MAIL_RETRY_SECONDS", 60, minimum=1),
        mail_batch_size=_int(env, "MAIL_BATCH_SIZE", 200, minimum=1),
        distribution_radius_m=_int(env, "DISTRIBUTION_RADIUS_M", 1000),
        match_max_distance_m=_int(env, "MATCH_MAX_DISTANCE_M", 3000),
        match_max_active_networks=_int(env, "MATCH_MAX_ACTIVE_NETWORKS", 2, minimum=1),
        match_followup_days=_int(env, "MATCH_FOLLOWUP_DAYS", 42, minimum=1),
        reminder_min_signups=_int(env, "REMINDER_MIN_SIGNUPS", 3, minimum=1),
        reminder_days_before_deadline=_int(env, "REMINDER_DAYS_BEFORE_DEADLINE", 3, minimum=1),
        geocoder=geocoder,
        pdok_base_url=env.get("PDOK_BASE_URL", Settings.pdok_base_url),
        geocoder_timeout_seconds=_float(env, "GEOCODER_TIMEOUT_SECONDS", 3.0),
        session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 30, minimum=1),
        session_absolute_hours=_int(env, "SESSION_ABSOLUTE_HOURS", 12, minimum=1),
        login_free_failures=_int(env, "LOGIN_FREE_FAILURES", 10, minimum=1),
        login_max_delay_seconds=_int(env, "LOGIN_MAX_DELAY_SECONDS", 900, minimum=1),
        second_factor_roles=second_factor_roles,
        proxy_count=_int(env, "PROXY_COUNT", 0),
        consent_text_version=env.get("CONSENT_TEXT_VERSION", Settings.consent_text_version),
        oproep_places=_int(env, "OPROEP_PLACES", 3, minimum=1),
        signup_cap_per_oproep=_int(env, "SIGNUP_CAP_PER_OPROEP", 50, minimum=1),
        signup_rate_per_address_per_hour=signup_limits.per_address,
        signup_rate_per_email_per_hour=signup_limits.per_email,
        signup_rate_per_oproep_per_hour=signup_limits.per_oproep,
        signup_rate_general_per_hour=signup_limits.general,
        signup_confirm_days=_int(env, "SIGNUP_CONFIRM_DAYS", 7, minimum=1),
        contact_phone=_contact_phone(env, preset),
        contact_email=_contact_email(env),
        database_lock_timeout_ms=_int(env, "DATABASE_LOCK_TIMEOUT_MS", 5000, minimum=100),
        deduce_cache_dir=Path(env["DEDUCE_CACHE_DIR"]) if env.get("DEDUCE_CACHE_DIR") else None,
        retention_resident_closed_days=_int(env, "RETENTION_RESIDENT_CLOSED_DAYS", 90, minimum=1),
        retention_volunteer_days=_int(env, "RETENTION_VOLUNTEER_DAYS", 60, minimum=1),
        retention_mail_days=_int(env, "RETENTION_MAIL_DAYS", 30, minimum=1),
        retention_audit_days=_int(env, "RETENTION_AUDIT_DAYS", 730, minimum=30),
        scheduler_lease_seconds=_int(env, "SCHEDULER_LEASE_SECONDS", 90, minimum=3),
        generated_keys_file=generated_keys_file,
    )
