"""Sign-up services: store a sign-up and queue its mail, confirm it, withdraw it.

Services take the session and flush, never commit; the request commits once. Nothing here
tells the caller's page whether an e-mail address was known: a repeated sign-up returns
the earlier one and only the mail to that address says so. Logs carry ids, never values.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from niemand_alleen.auth.service import record_audit
from niemand_alleen.config import Settings
from niemand_alleen.crypto import lookup_hash
from niemand_alleen.geo.areas import short_name
from niemand_alleen.mail.outbox import queue_mail, render_mail
from niemand_alleen.models import (
    AuditAction,
    Dispatch,
    MailStatus,
    Oproep,
    OproepStatus,
    OutboxMail,
    Volunteer,
    VolunteerStatus,
    Wijk,
)
from niemand_alleen.reference import locate_address
from niemand_alleen.retention import BLANK_VOLUNTEER
from niemand_alleen.signup import ratelimit, tokens

log = logging.getLogger(__name__)

# Stored coordinates are rounded to 0.001° (about 100 m): they never point at one house.
COORDINATE_DECIMALS = 3
REFERRAL_CODE_MAX_LENGTH = 32


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


@dataclass(frozen=True)
class OproepLink:
    """The oproep behind a sign-up link, and the organisation's dispatch it came through."""

    oproep: Oproep
    dispatch: Dispatch


class SignupRefused(Exception):
    """Nothing was stored: the oproep is full (``full``) or has too many sign-ups this
    hour (``rate``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- the oproep behind a link ------------------------------------------------------------


def oproep_for_referral(session: Session, referral_code: str) -> OproepLink | None:
    """The oproep of a referral code, or ``None`` for an unknown or malformed code."""
    if not referral_code or len(referral_code) > REFERRAL_CODE_MAX_LENGTH:
        return None
    dispatch = session.exec(select(Dispatch).where(Dispatch.referral_code == referral_code)).first()
    if dispatch is None:
        return None
    oproep = session.get(Oproep, dispatch.oproep_id)
    if oproep is None:
        return None
    return OproepLink(oproep=oproep, dispatch=dispatch)


def is_open(oproep: Oproep, today: date) -> bool:
    """Open for sign-ups: mailed and not closed, and the deadline ("tot en met") not passed."""
    if oproep.status != OproepStatus.OPEN:
        return False
    return oproep.deadline is None or oproep.deadline >= today


def is_full(session: Session, settings: Settings, oproep_id: uuid.UUID) -> bool:
    """As many sign-ups (not withdrawn) as the cap allows; the count stops at the cap."""
    cap = settings.signup_cap_per_oproep
    counted = (
        select(Volunteer.id)
        .where(Volunteer.oproep_id == oproep_id, Volunteer.status != VolunteerStatus.WITHDRAWN)
        .limit(cap)
        .subquery()
    )
    return session.exec(select(func.count()).select_from(counted)).one() >= cap


def wijk_name(session: Session, code: str | None) -> str | None:
    if code is None:
        return None
    wijk = session.get(Wijk, code)
    return short_name(wijk.name) if wijk else None


# --- signing up ------------------------------------------------------------------------------


def email_key(email: str) -> str:
    """The keyed hash that finds an earlier sign-up with the same address (any letter case)."""
    return lookup_hash(email.strip().lower())


def _earlier_signup(
    session: Session, email_hash: str, oproep_id: uuid.UUID | None
) -> Volunteer | None:
    query = select(Volunteer).where(
        Volunteer.email_hash == email_hash,
        Volunteer.status != VolunteerStatus.WITHDRAWN,
        col(Volunteer.purged_at).is_(None),
    )
    if oproep_id is None:
        query = query.where(col(Volunteer.oproep_id).is_(None))
    else:
        query = query.where(Volunteer.oproep_id == oproep_id)
    return session.exec(query.order_by(col(Volunteer.created_at))).first()


def sign_up(
    session: Session,
    settings: Settings,
    data: SignupInput,
    link: OproepLink | None,
    now: datetime,
) -> Volunteer:
    """Store a sign-up for an oproep (``link``) or for the wijk in general, and queue the
    mail that asks to confirm the address.

    The same address for the same oproep (or twice for the general form) keeps the earlier
    sign-up unchanged, so nobody can alter someone else's sign-up by typing their address;
    the mail to that address says so. Raises ``SignupRefused`` (nothing stored) when the
    oproep is full or the hourly limit for this oproep is reached.
    """
    oproep_id = link.oproep.id if link else None
    if oproep_id is not None and is_full(session, settings, oproep_id):
        raise SignupRefused("full")
    if not ratelimit.take(
        session, ratelimit.oproep_bucket(oproep_id), settings.signup_rate_per_oproep_per_hour, now
    ):
        raise SignupRefused("rate")

    # Located before looking for an earlier sign-up, so both paths take as long (an online
    # geocoder would otherwise tell by its delay whether an address was known).
    placed = locate_address(session, settings, data.postcode, data.house_number)
    email_hash = email_key(data.email)
    earlier = _earlier_signup(session, email_hash, oproep_id)
    if earlier is not None:
        _queue_signup_mail(session, settings, earlier, link, now, again=True)
        log.info("sign-up repeated volunteer=%s oproep=%s", earlier.id, oproep_id)
        return earlier

    location = placed.result.location
    volunteer = Volunteer(
        oproep_id=oproep_id,
        dispatch_id=link.dispatch.id if link else None,
        wijk_code=placed.areas.wijk.statcode if placed.areas.wijk else None,
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        email_hash=email_hash,
        phone=data.phone,
        postcode=placed.postcode,
        house_number=data.house_number,
        pc4=placed.postcode[:4],
        lat=round(location.lat, COORDINATE_DECIMALS) if location else None,
        lon=round(location.lon, COORDINATE_DECIMALS) if location else None,
        location_precision=placed.result.precision,
        availability=data.availability or None,
        motivation=data.motivation or None,
        languages=data.languages or None,
        consent_at=now,
        # The general sign-up is itself the wish to be asked for oproepen in the wijk.
        contact_again=data.contact_again or link is None,
        created_at=now,
    )
    session.add(volunteer)
    session.flush()
    _queue_signup_mail(session, settings, volunteer, link, now, again=False)
    log.info("sign-up stored volunteer=%s oproep=%s", volunteer.id, oproep_id)
    return volunteer


def _queue_signup_mail(
    session: Session,
    settings: Settings,
    volunteer: Volunteer,
    link: OproepLink | None,
    now: datetime,
    *,
    again: bool,
) -> None:
    """The confirm mail, or for a repeated sign-up the "you had already signed up" mail
    (at most one a day, so a stranger cannot flood someone's inbox)."""
    oproep = link.oproep if link else None
    context = {
        "first_name": volunteer.first_name,
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
    if again:
        key = f"signup-again:{volunteer.id}:{now.date().isoformat()}"
        kind, template = "signup_again", "signup_again"
    else:
        key = f"signup-confirm:{volunteer.id}"
        kind, template = "signup_confirm", "signup_confirm"
    queue_mail(
        session,
        idempotency_key=key,
        kind=kind,
        recipient=volunteer.email,
        mail=render_mail(template, **context),
        oproep_id=oproep.id if oproep else None,
    )


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
    session.add(volunteer)
    session.flush()
    log.info("sign-up confirmed volunteer=%s", volunteer.id)


def _signup_mail_keys(volunteer_id: uuid.UUID) -> object:
    key = col(OutboxMail.idempotency_key)
    return or_(
        key == f"signup-confirm:{volunteer_id}", key.startswith(f"signup-again:{volunteer_id}:")
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
        .values(recipient=None, subject=None, body_text=None, body_html=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    record_audit(
        session,
        actor_user_id=None,
        action=AuditAction.DELETE,
        record_type="volunteer",
        record_id=str(volunteer.id),
        detail="aanmelding ingetrokken door de goede buur",
    )
    log.info("sign-up withdrawn volunteer=%s", volunteer.id)
