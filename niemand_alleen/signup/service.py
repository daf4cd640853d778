"""Sign-up services: store a sign-up and queue its mail, confirm it, withdraw it.

Services take the session and flush, never commit; the request commits once. Nothing here
tells the caller's page whether an e-mail address was known: a repeated sign-up returns
the earlier one and only the mail to that address says so. Logs carry ids, never values.

A sign-up is done in two steps so that the writing transaction is short (on SQLite it holds
the database's write lock from its first statement until the commit): ``prepare_signup``
does everything that only reads or computes (locating the address, building the rows),
``store_signup`` then checks the limits and writes. The confirm mail is queued without its
text, which the sender writes just before sending (``compose_confirm_mail``): rendering and
encrypting it cost a fifth of a sign-up.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy import Executable, delete, func, or_, update
from sqlmodel import Session, SQLModel, col, select

from niemand_alleen.audit import RecordType, details, record_audit, record_saved
from niemand_alleen.config import Settings
from niemand_alleen.crypto import EncryptedText, keyring, lookup_hash
from niemand_alleen.mail import RenderedMail, outbox_values, render_mail
from niemand_alleen.models import (
    AuditAction,
    Dispatch,
    MailStatus,
    Oproep,
    OproepStatus,
    OutboxMail,
    Volunteer,
    VolunteerStatus,
)
from niemand_alleen.reference import locate_address, wijk_short_name
from niemand_alleen.retention import BLANK_MAIL, BLANK_VOLUNTEER
from niemand_alleen.signup import ratelimit, tokens

log = logging.getLogger(__name__)

# Stored coordinates are rounded to 0.001° (about 100 m): they never point at one house.
COORDINATE_DECIMALS = 3
REFERRAL_CODE_MAX_LENGTH = 32
CONFIRM_KEY_PREFIX = "signup-confirm:"  # + the sign-up's id: the confirm mail's outbox key
AGAIN_KEY_PREFIX = "signup-again:"  # + the sign-up's id, ":" and the day: "already signed up"


@dataclass(frozen=True)
class SignupInput:
    """The validated form: names, e-mail and phone normalised, postcode and number checked."""

    first_name: str
    last_name: str
    email: str
    phone: str
    postcode: str
    house_number: str
    availability: str | None
    motivation: str | None
    languages: str | None
    contact_again: bool
    outside_area: bool = False  # outside the service area, and still wants to help


@dataclass(frozen=True)
class OproepFacts:
    """What the sign-up pages and mails need of an oproep (a read-only copy)."""

    id: uuid.UUID
    status: OproepStatus
    deadline: date | None
    wijk_code: str | None
    pc4: str | None
    text: str | None


@dataclass(frozen=True)
class OproepLink:
    """The oproep behind a sign-up link, and the organisation's dispatch it came through."""

    oproep: OproepFacts
    dispatch_id: uuid.UUID


class SignupRefused(Exception):
    """Nothing was stored: too many attempts this hour by this sender (``sender``: from the
    client's address or with the e-mail address), too many sign-ups this hour for the oproep
    or the general form (``shared``), or the oproep is full (``full``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- the oproep behind a link ------------------------------------------------------------


_OPROEP = Oproep.__table__  # type: ignore[attr-defined]
_DISPATCH = Dispatch.__table__  # type: ignore[attr-defined]
_LINK = (
    sa.select(
        _DISPATCH.c.id,
        _OPROEP.c.id,
        _OPROEP.c.status,
        _OPROEP.c.deadline,
        _OPROEP.c.wijk_code,
        _OPROEP.c.pc4,
        _OPROEP.c.text,
    )
    .join(_OPROEP, _OPROEP.c.id == _DISPATCH.c.oproep_id)
    .where(_DISPATCH.c.referral_code == sa.bindparam("code", type_=_DISPATCH.c.referral_code.type))
)


_LINK_AND_ATTEMPTS = _LINK.add_columns(ratelimit.ATTEMPTS_SO_FAR.scalar_subquery())


def _plausible_code(referral_code: str) -> bool:
    return bool(referral_code) and len(referral_code) <= REFERRAL_CODE_MAX_LENGTH


def oproep_for_referral(connection: sa.Connection, referral_code: str) -> OproepLink | None:
    """The oproep of a referral code, or ``None`` for an unknown or malformed code (one
    query, only the columns the sign-up needs)."""
    if not _plausible_code(referral_code):
        return None
    found = connection.execute(_LINK, {"code": referral_code}).first()
    if found is None:
        return None
    dispatch_id, *facts = found
    return OproepLink(oproep=OproepFacts(*facts), dispatch_id=dispatch_id)


def oproep_and_attempts(
    connection: sa.Connection, referral_code: str, client_bucket: str, now: datetime
) -> tuple[OproepLink | None, int]:
    """``oproep_for_referral`` and, in the same query, the client's attempts this hour so
    far (``ratelimit.attempts_so_far``): a sign-up sent through a link reads both before any
    other work, and one query costs less than two. The count is 0 for an unknown code."""
    if not _plausible_code(referral_code):
        return None, 0
    parameters = {"code": referral_code, **ratelimit.attempts_parameters(client_bucket, now)}
    found = connection.execute(_LINK_AND_ATTEMPTS, parameters).first()
    if found is None:
        return None, 0
    dispatch_id, *facts, attempts = found
    return OproepLink(oproep=OproepFacts(*facts), dispatch_id=dispatch_id), int(attempts or 0)


def is_open(oproep: OproepFacts, today: date) -> bool:
    """Open for sign-ups: mailed and not closed, and the deadline ("tot en met") not passed."""
    if oproep.status != OproepStatus.OPEN:
        return False
    return oproep.deadline is None or oproep.deadline >= today


@cache
def _signed_up(cap: int) -> sa.Select[int]:
    """An oproep's confirmed sign-ups, counted up to ``cap``; parameter ``oproep_id``.

    Unconfirmed ones never count: anyone can type addresses that never confirm, and their
    links expire, so counting them would let a stranger close an oproep for good."""
    table = Volunteer.__table__  # type: ignore[attr-defined]
    counted = (
        sa.select(table.c.id)
        .where(
            table.c.oproep_id == sa.bindparam("oproep_id", type_=table.c.oproep_id.type),
            table.c.status == VolunteerStatus.CONFIRMED,
        )
        .limit(cap)
        .subquery()
    )
    return sa.select(func.count()).select_from(counted)


def is_full(connection: sa.Connection, settings: Settings, oproep_id: uuid.UUID) -> bool:
    """As many confirmed sign-ups as the cap allows; the count stops at the cap."""
    cap = settings.signup_cap_per_oproep
    signed_up = connection.execute(_signed_up(cap), {"oproep_id": oproep_id}).scalar_one()
    return int(signed_up) >= cap


def confirmed_signups(session: Session, oproep_id: uuid.UUID) -> int:
    """How many neighbours have confirmed their sign-up for the oproep."""
    return session.exec(
        select(func.count())
        .select_from(Volunteer)
        .where(Volunteer.oproep_id == oproep_id, Volunteer.status == VolunteerStatus.CONFIRMED)
    ).one()


def wijk_name(session: Session, code: str | None) -> str | None:
    """The short name of a wijk (the geography cached per process)."""
    return wijk_short_name(session, code)


# --- signing up ------------------------------------------------------------------------------


def email_key(email: str) -> str:
    """The keyed hash that finds an earlier sign-up with the same address (any letter case)."""
    return lookup_hash(email.strip().lower())


@cache
def _checks(for_oproep: bool, cap: int) -> Executable:
    """The one look-up before storing a sign-up, built once: for an oproep, its sign-ups (not
    withdrawn; counted up to the cap) and the earlier sign-up with the same address; for the
    general form only the latter. Parameters ``oproep_id`` and ``email_hash``."""
    table = Volunteer.__table__  # type: ignore[attr-defined]
    active = table.c.status != VolunteerStatus.WITHDRAWN
    same_oproep = (
        table.c.oproep_id == sa.bindparam("oproep_id", type_=table.c.oproep_id.type)
        if for_oproep
        else table.c.oproep_id.is_(None)
    )
    earlier = (
        select(table.c.id)
        .where(
            table.c.email_hash == sa.bindparam("email_hash", type_=table.c.email_hash.type),
            active,
            table.c.purged_at.is_(None),
            same_oproep,
        )
        .order_by(table.c.created_at)
        .limit(1)
        .scalar_subquery()
    )
    if not for_oproep:
        return select(sa.null(), earlier)
    return select(_signed_up(cap).scalar_subquery(), earlier)


@dataclass(frozen=True)
class PreparedSignup:
    """A sign-up ready to be stored: the column values of its row (with its new id) and of
    its confirm mail's outbox row, sealed (encrypted columns already encrypted)."""

    link: OproepLink | None
    volunteer_id: uuid.UUID
    email_hash: str
    email_bucket: str
    volunteer_values: dict[str, object]
    mail_values: dict[str, object]


def prepare_signup(
    session: Session,
    settings: Settings,
    data: SignupInput,
    link: OproepLink | None,
    now: datetime,
    *,
    locale: str = "nl",
) -> PreparedSignup:
    """Everything a sign-up needs that only reads or computes, done before any write.

    The address is located here, before ``store_signup`` looks for an earlier sign-up, so
    both paths take as long (an online geocoder would otherwise tell by its delay whether an
    address was known). The session is only read (the geography, once per process). The
    rows are plain column values (the others take their defaults): building ORM objects
    would cost more than the rest of the preparation. ``locale``: the language of the
    page, in which the mails to this neighbour are written.
    """
    placed = locate_address(session, settings, data.postcode, data.house_number)
    location = placed.result.location
    volunteer_id = uuid.uuid4()
    oproep_id = link.oproep.id if link else None
    wijk_code = placed.areas.wijk.statcode if placed.areas.wijk else None
    email_hash = email_key(data.email)
    volunteer: dict[str, object] = {
        "id": volunteer_id,
        "oproep_id": oproep_id,
        "dispatch_id": link.dispatch_id if link else None,
        "wijk_code": wijk_code,
        "first_name": data.first_name,
        "last_name": data.last_name,
        "email": data.email,
        "email_hash": email_hash,
        "phone": data.phone,
        "postcode": placed.postcode,
        "house_number": data.house_number,
        "pc4": placed.postcode[:4],
        "lat": round(location.lat, COORDINATE_DECIMALS) if location else None,
        "lon": round(location.lon, COORDINATE_DECIMALS) if location else None,
        "location_precision": placed.result.precision,
        "availability": data.availability or None,
        "motivation": data.motivation or None,
        "languages": data.languages or None,
        "consent_at": now,
        # The general sign-up is itself the wish to be asked for oproepen in the wijk.
        "contact_again": data.contact_again or link is None,
        "outside_area": data.outside_area,
        "locale": locale,
        "status": VolunteerStatus.UNCONFIRMED,
        "created_at": now,
    }
    mail = outbox_values(
        # The key holds the id just made, so no mail can have it yet: no look-up later.
        idempotency_key=f"{CONFIRM_KEY_PREFIX}{volunteer_id}",
        kind="signup_confirm",
        recipient=data.email,  # validated by the form's email field
        mail=None,  # written by the sender (``compose_confirm_mail``), not in this request
        oproep_id=oproep_id,
        recipient_validated=True,
    )
    return PreparedSignup(
        link=link,
        volunteer_id=volunteer_id,
        email_hash=email_hash,
        email_bucket=ratelimit.email_bucket(data.email),
        volunteer_values=_sealed(Volunteer, volunteer),
        mail_values=_sealed(OutboxMail, mail),
    )


def store_signup(
    session: Session,
    settings: Settings,
    prepared: PreparedSignup,
    client_bucket: str,
    now: datetime,
) -> uuid.UUID:
    """Store a prepared sign-up for an oproep or for the wijk in general, and queue the mail
    that asks to confirm the address; returns the id of the sign-up.

    The attempt counts for the hourly limits of the sender (the client, ``client_bucket``,
    and the e-mail address) and the shared one of the oproep or the general form. A sender
    over its own limit is refused before the shared limit decides anything, and a refused
    request rolls back, so its attempt never spends the shared budget. The same address for
    the same oproep (or twice for the general form) keeps the earlier sign-up unchanged, so
    nobody can alter someone else's sign-up by typing their address; the mail to that
    address says so. Both cases do the same work here (one row for the outbox, its text
    written later by the sender), so the time taken does not tell whether an address was
    known. Raises ``SignupRefused`` when a limit is reached or the oproep is full: nothing
    is stored (a refusal rolls back, counts included).
    """
    link = prepared.link
    oproep_id = link.oproep.id if link else None
    cap = settings.signup_cap_per_oproep
    shared_bucket = ratelimit.oproep_bucket(oproep_id)
    sender = {
        client_bucket: settings.signup_rate_per_address_per_hour,
        prepared.email_bucket: settings.signup_rate_per_email_per_hour,
    }
    shared_limit = (
        settings.signup_rate_per_oproep_per_hour
        if oproep_id is not None
        else settings.signup_rate_general_per_hour
    )
    over = ratelimit.take_all(session, {**sender, shared_bucket: shared_limit}, now)
    if over & sender.keys():
        raise SignupRefused("sender")
    # Core execution on the session's connection: the ORM's execute pipeline costs more than
    # these statements themselves on the busiest public path.
    signed_up, earlier_id = (
        session.connection()
        .execute(
            _checks(oproep_id is not None, cap),
            {"oproep_id": oproep_id, "email_hash": prepared.email_hash},
        )
        .one()
    )
    if oproep_id is not None and signed_up >= cap:
        raise SignupRefused("full")
    if shared_bucket in over:
        raise SignupRefused("shared")

    connection = session.connection()
    if earlier_id is not None:
        again = {
            **prepared.mail_values,
            # At most one a day, so a stranger cannot flood someone's inbox.
            "idempotency_key": f"{AGAIN_KEY_PREFIX}{earlier_id}:{now.date().isoformat()}",
            "kind": "signup_again",
        }
        connection.execute(_queue_once(connection.dialect.name), again)
        log.info("sign-up repeated volunteer=%s oproep=%s", earlier_id, oproep_id)
        return uuid.UUID(str(earlier_id))

    connection.execute(_sealed_insert(Volunteer), prepared.volunteer_values)
    connection.execute(_sealed_insert(OutboxMail), prepared.mail_values)
    log.info("sign-up stored volunteer=%s oproep=%s", prepared.volunteer_id, oproep_id)
    return prepared.volunteer_id


def _mail_volunteer(session: Session, mail: OutboxMail, prefix: str) -> Volunteer | None:
    """The sign-up a queued mail is about, from its key (``prefix`` + id [+ ``:`` day])."""
    try:
        volunteer_id = uuid.UUID(mail.idempotency_key.removeprefix(prefix).split(":")[0])
    except ValueError:
        return None
    return _active(session, volunteer_id)


def compose_confirm_mail(
    session: Session, settings: Settings, mail: OutboxMail
) -> RenderedMail | None:
    """The text of a sign-up's confirm mail, written by the sender just before sending (the
    sign-up request only queues it); ``None`` when the sign-up was withdrawn or erased."""
    volunteer = _mail_volunteer(session, mail, CONFIRM_KEY_PREFIX)
    if volunteer is None:
        return None
    oproep = session.get(Oproep, volunteer.oproep_id) if volunteer.oproep_id else None
    return render_mail(
        "signup_confirm",
        locale=volunteer.locale,
        **_mail_context(session, settings, oproep, volunteer),
    )


def compose_again_mail(
    session: Session, settings: Settings, mail: OutboxMail
) -> RenderedMail | None:
    """The "you had already signed up" mail, written by the sender like the confirm mail,
    to the address of the earlier sign-up; ``None`` when that was withdrawn or erased."""
    volunteer = _mail_volunteer(session, mail, AGAIN_KEY_PREFIX)
    if volunteer is None:
        return None
    oproep = session.get(Oproep, volunteer.oproep_id) if volunteer.oproep_id else None
    return render_mail(
        "signup_again",
        locale=volunteer.locale,
        **_mail_context(session, settings, oproep, volunteer),
    )


def _sealed(model: type[SQLModel], values: dict[str, object]) -> dict[str, object]:
    """Column values for ``_sealed_insert``, encrypted here (before the writing transaction)
    for the encrypted columns, each of which gets a value."""
    table = model.__table__  # type: ignore[attr-defined]
    sealed = dict(values)
    for column in table.c:
        if isinstance(column.type, EncryptedText):
            value = values.get(column.name)
            sealed[column.name] = None if value is None else keyring().encrypt(str(value))
    return sealed


@cache
def _queue_once(dialect: str) -> Executable:
    """``_sealed_insert`` of an outbox row that does nothing when its key was queued before
    (``ON CONFLICT DO NOTHING``: SQLite and PostgreSQL share it)."""
    table = OutboxMail.__table__  # type: ignore[attr-defined]
    encrypted = {
        column.name: sa.bindparam(column.name, type_=sa.Text())
        for column in table.c
        if isinstance(column.type, EncryptedText)
    }
    # The database's own dialect only: a web worker on SQLite never loads PostgreSQL's.
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).values(encrypted)
        return statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert

    pg_statement = postgresql_insert(table).values(encrypted)
    return pg_statement.on_conflict_do_nothing(index_elements=["idempotency_key"])


@cache
def _sealed_insert(model: type[SQLModel]) -> Executable:
    """One INSERT of a row from ``_sealed`` values, without the ORM's unit of work: its
    encrypted columns take the ready tokens as they are; columns without a value take their
    defaults."""
    table = model.__table__  # type: ignore[attr-defined]
    return table.insert().values(
        {
            column.name: sa.bindparam(column.name, type_=sa.Text())
            for column in table.c
            if isinstance(column.type, EncryptedText)
        }
    )


def _mail_context(
    session: Session,
    settings: Settings,
    oproep: OproepFacts | Oproep | None,
    volunteer: Volunteer,
) -> dict[str, object]:
    """For a sign-up's confirm mail, or for a repeated sign-up the "you had already signed
    up" mail (at most one a day, so a stranger cannot flood someone's inbox)."""
    return {
        "first_name": volunteer.first_name or "",
        "general": oproep is None,
        "wijk_name": wijk_name(session, oproep.wijk_code if oproep else volunteer.wijk_code),
        "deadline": oproep.deadline if oproep else None,
        "confirmed": volunteer.status == VolunteerStatus.CONFIRMED,
        "signed_up_on": volunteer.created_at,
        "confirm_days": settings.signup_confirm_days,
        "confirm_url": tokens.confirm_url(
            settings.public_base_url, settings.secret_key, volunteer.id
        ),
        "withdraw_url": tokens.withdraw_url(
            settings.public_base_url, settings.secret_key, volunteer.id
        ),
        "privacy_url": f"{settings.public_base_url}/privacy",
    }


# --- the links in the mail -------------------------------------------------------------------


def _active(session: Session, volunteer_id: uuid.UUID | None) -> Volunteer | None:
    """A sign-up that still holds its data; withdrawn and purged ones are gone for links."""
    if volunteer_id is None:
        return None
    volunteer = session.get(Volunteer, volunteer_id)
    if (
        volunteer is None
        or volunteer.status == VolunteerStatus.WITHDRAWN
        or volunteer.purged_at is not None
    ):
        return None
    return volunteer


def volunteer_for_confirm_link(
    session: Session, settings: Settings, token: str
) -> Volunteer | None:
    """The sign-up of a confirm link; ``None`` for a bad, expired or no longer valid one."""
    max_age = timedelta(days=settings.signup_confirm_days)
    try:
        volunteer_id = tokens.volunteer_from_confirm_token(settings.secret_key, token, max_age)
    except tokens.TokenExpired:
        return None
    return _active(session, volunteer_id)


def volunteer_for_withdraw_link(
    session: Session, settings: Settings, token: str
) -> Volunteer | None:
    return _active(session, tokens.volunteer_from_withdraw_token(settings.secret_key, token))


def confirm_volunteer(session: Session, volunteer: Volunteer, now: datetime) -> None:
    """Double opt-in: only confirmed sign-ups count for matching. A second click is a no-op."""
    if volunteer.status != VolunteerStatus.UNCONFIRMED:
        return
    volunteer.status = VolunteerStatus.CONFIRMED
    volunteer.confirmed_at = now
    record_saved(
        session,
        volunteer,
        actor_user_id=None,
        record_type=RecordType.VOLUNTEER,
        detail=details.volunteer_confirmed(),
    )
    log.info("sign-up confirmed volunteer=%s", volunteer.id)


def _signup_mail_keys(volunteer_id: uuid.UUID) -> object:
    key = col(OutboxMail.idempotency_key)
    return or_(
        key == f"{CONFIRM_KEY_PREFIX}{volunteer_id}",
        key.startswith(f"{AGAIN_KEY_PREFIX}{volunteer_id}:"),
    )


def withdraw_volunteer(session: Session, volunteer: Volunteer, now: datetime) -> None:
    """The neighbour withdraws: personal fields blanked (as the retention purge does), the
    row kept for the counts, unsent mails to them deleted and sent ones emptied; audited."""
    for name, value in BLANK_VOLUNTEER.items():
        setattr(volunteer, name, value)
    volunteer.status = VolunteerStatus.WITHDRAWN
    volunteer.withdrawn_at = now
    volunteer.purged_at = now
    volunteer.contact_again = False
    session.add(volunteer)
    session.flush()
    keys = _signup_mail_keys(volunteer.id)
    session.execute(
        delete(OutboxMail)
        .where(keys, col(OutboxMail.status) == MailStatus.PENDING)  # type: ignore[arg-type]
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboxMail)
        .where(keys, col(OutboxMail.status) != MailStatus.SENDING)  # type: ignore[arg-type]
        .values(**BLANK_MAIL)
        .execution_options(synchronize_session=False)
    )
    record_audit(
        session,
        actor_user_id=None,
        action=AuditAction.DELETE,
        record_type=RecordType.VOLUNTEER,
        record_id=str(volunteer.id),
        detail=details.volunteer_withdrew(),
    )
    log.info("sign-up withdrawn volunteer=%s", volunteer.id)
