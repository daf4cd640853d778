"""Partner organisations: validation, changes, (un)subscribing and wijk look-ups.

Every function takes the session, flushes and never commits. Validation errors carry Dutch
messages per form field; every change records an audit event that names the
organisation's id, never its data. Only the unsubscribe confirmation needs an app context:
it renders its mail for the outbox.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import re
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from niemand_alleen import distribution, validation
from niemand_alleen.audit import AuditDetail, RecordType, details, record_audit, record_saved
from niemand_alleen.config import Settings
from niemand_alleen.geo import short_name
from niemand_alleen.mail import queue_mail, render_mail
from niemand_alleen.models import (
    AuditAction,
    Organisation,
    OrganisationWijk,
    UnsubscribeRequest,
    Wijk,
    utcnow,
)
from niemand_alleen.pagination import Listing, page_span
from niemand_alleen.reference import wijk_short_names

log = logging.getLogger(__name__)

# How long the mailed link to confirm an unsubscribe works.
UNSUBSCRIBE_CONFIRM_DAYS = 7
# At most one confirmation mail per organisation in this time: the body's link may be in
# anyone's hands, and must not become a way to fill the organisation's mailbox.
UNSUBSCRIBE_REQUEST_INTERVAL = timedelta(hours=1)
UNSUBSCRIBE_CONFIRM_KIND = "unsubscribe_confirm"

NAME_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 1000
MAX_EMAILS = 10

# One address per line, or separated by ; or , (as people paste them from a mail client).
_EMAIL_SEPARATORS = re.compile(r"[;,\r\n\u2028\u2029\x0b\x0c\x85]+")
# A separator-less line break inside one address is impossible after splitting, so header
# injection is refused per address by validation.email_address (tabs, NULs etc. fail there).


@dataclass(frozen=True)
class OrganisationInput:
    """What a form or an import row gives: raw text, validated by ``validate_organisation``."""

    name: str | None
    contact_emails: str | None
    wijken: Sequence[str]
    note: str | None = None


@dataclass(frozen=True)
class CleanOrganisation:
    name: str
    contact_emails: tuple[str, ...]
    wijken: frozenset[str]
    note: str | None


@dataclass
class OrganisationInvalid(Exception):
    """Dutch messages per field (``name``, ``contact_emails``, ``wijken``, ``note``)."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, []).append(message)

    def __str__(self) -> str:
        return "; ".join(message for messages in self.errors.values() for message in messages)


# --- validation --------------------------------------------------------------------------


def clean_name(raw: str | None) -> str:
    validation.no_line_breaks(raw or "", "Een naam kan geen regelovergang bevatten.")
    value = " ".join((raw or "").split())
    if not value:
        raise validation.InvalidInput("Vul de naam van de organisatie in.")
    if len(value) > NAME_MAX_LENGTH:
        raise validation.InvalidInput(
            f"Een naam is hoogstens {NAME_MAX_LENGTH} tekens lang. Nu zijn het er {len(value)}."
        )
    return value


def parse_contact_emails(raw: str | None) -> tuple[str, ...]:
    """1 to 10 addresses, one per line or separated by ; or , — normalised, no duplicates."""
    parts = [part.strip() for part in _EMAIL_SEPARATORS.split(raw or "")]
    parts = [part for part in parts if part]
    if not parts:
        raise validation.InvalidInput("Vul minstens één e-mailadres in.")
    addresses: list[str] = []
    seen: set[str] = set()
    for part in parts:
        try:
            address = validation.email_address(part)
        except validation.InvalidInput as error:
            raise validation.InvalidInput(f"{part[:60]}: {error.message}") from None
        assert address is not None
        if address.casefold() not in seen:
            seen.add(address.casefold())
            addresses.append(address)
    if len(addresses) > MAX_EMAILS:
        raise validation.InvalidInput(
            f"Vul hoogstens {MAX_EMAILS} e-mailadressen in. Nu zijn het er {len(addresses)}."
        )
    return tuple(addresses)


def name_key(name: str) -> str:
    """Names are unique ignoring case and extra spaces."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class KnownValues:
    """Existing names and wijk codes, read once when many rows are checked (an import)."""

    names: Mapping[str, uuid.UUID]  # name_key -> organisation id
    wijk_codes: frozenset[str]


def known_values(session: Session) -> KnownValues:
    names = {
        name_key(name): organisation_id
        for organisation_id, name in session.exec(select(Organisation.id, Organisation.name))
    }
    return KnownValues(names=names, wijk_codes=frozenset(session.exec(select(Wijk.code)).all()))


def validate_organisation(
    session: Session,
    data: OrganisationInput,
    *,
    existing_id: uuid.UUID | None = None,
    known: KnownValues | None = None,
) -> CleanOrganisation:
    """Check every field; raises ``OrganisationInvalid`` with all problems at once."""
    problems = OrganisationInvalid()
    name = ""
    try:
        name = clean_name(data.name)
    except validation.InvalidInput as error:
        problems.add("name", error.message)
    else:
        if known is not None:
            other_id = known.names.get(name_key(name))
        else:
            other = find_by_name(session, name)
            other_id = other.id if other is not None else None
        if other_id is not None and other_id != existing_id:
            problems.add("name", "Er is al een organisatie met deze naam.")
    emails: tuple[str, ...] = ()
    try:
        emails = parse_contact_emails(data.contact_emails)
    except validation.InvalidInput as error:
        problems.add("contact_emails", error.message)
    codes = {code.strip() for code in data.wijken if code and code.strip()}
    if not codes:
        problems.add("wijken", "Kies minstens één wijk.")
    else:
        existing = (
            known.wijk_codes
            if known is not None
            else set(session.exec(select(Wijk.code).where(col(Wijk.code).in_(codes))).all())
        )
        unknown = sorted(codes - existing)
        if unknown:
            problems.add("wijken", f"Deze wijk bestaat niet: {', '.join(unknown)[:200]}.")
    note: str | None = None
    try:
        note = validation.free_text(data.note, label="een notitie", max_length=NOTE_MAX_LENGTH)
    except validation.InvalidInput as error:
        problems.add("note", error.message)
    if problems.errors:
        raise problems
    return CleanOrganisation(
        name=name, contact_emails=emails, wijken=frozenset(codes), note=note or None
    )


# --- look-ups ----------------------------------------------------------------------------


def find_by_name(session: Session, name: str) -> Organisation | None:
    """The organisation with this name, ignoring case and surrounding/double spaces."""
    wanted = name_key(name)
    # Names only: loading whole rows would decrypt every organisation's addresses and note.
    for organisation_id, other in session.exec(select(Organisation.id, Organisation.name)):
        if name_key(other) == wanted:
            return session.get(Organisation, organisation_id)
    return None


def contact_emails_of(organisation: Organisation) -> list[str]:
    return [line for line in organisation.contact_emails.split("\n") if line.strip()]


def organisation_wijken(session: Session) -> dict[uuid.UUID, set[str]]:
    """Every organisation's wijk codes (organisations without wijken are absent)."""
    result: dict[uuid.UUID, set[str]] = {}
    for link in session.exec(select(OrganisationWijk)).all():
        result.setdefault(link.organisation_id, set()).add(link.wijk_code)
    return result


def wijk_codes_of(session: Session, organisation_id: uuid.UUID) -> set[str]:
    return set(
        session.exec(
            select(OrganisationWijk.wijk_code).where(
                OrganisationWijk.organisation_id == organisation_id
            )
        ).all()
    )


def organisations_in_wijken(session: Session, wijk_codes: Iterable[str]) -> list[Organisation]:
    """Active, not unsubscribed organisations working in any of these wijken, by name.

    Their own wijk codes are in ``organisation_wijken(session)``.
    """
    codes = set(wijk_codes)
    if not codes:
        return []
    statement = (
        select(Organisation)
        .join(OrganisationWijk, col(OrganisationWijk.organisation_id) == col(Organisation.id))
        .where(col(OrganisationWijk.wijk_code).in_(codes))
        .where(col(Organisation.active).is_(True))
        .where(col(Organisation.unsubscribed_at).is_(None))
        .distinct()
    )
    return sorted(session.exec(statement).all(), key=lambda org: org.name.casefold())


@dataclass(frozen=True)
class WijkChoice:
    code: str
    name: str  # the CBS name, "Wijk 09 Sterrenburg"

    @property
    def label(self) -> str:
        return short_name(self.name)


def wijk_choices(session: Session) -> list[WijkChoice]:
    """All wijken, sorted by their short name (as the checkbox list shows them)."""
    wijken = session.exec(select(Wijk.code, Wijk.name)).all()
    choices = [WijkChoice(code, name) for code, name in wijken]
    return sorted(choices, key=lambda choice: (choice.label.casefold(), choice.code))


# --- changes -----------------------------------------------------------------------------


def _audit(
    session: Session,
    organisation: Organisation,
    action: AuditAction,
    actor_user_id: uuid.UUID | None,
    detail: AuditDetail | None = None,
) -> None:
    record_audit(
        session,
        actor_user_id=actor_user_id,
        action=action,
        record_type=RecordType.ORGANISATION,
        record_id=str(organisation.id),
        detail=detail,
    )


def _store_change(
    session: Session,
    organisation: Organisation,
    actor_user_id: uuid.UUID | None,
    detail: AuditDetail,
) -> None:
    """Store a change to the organisation, with its audit event."""
    record_saved(
        session,
        organisation,
        actor_user_id=actor_user_id,
        record_type=RecordType.ORGANISATION,
        detail=detail,
    )


def _set_wijken(session: Session, organisation: Organisation, codes: Collection[str]) -> None:
    current = {
        link.wijk_code: link
        for link in session.exec(
            select(OrganisationWijk).where(OrganisationWijk.organisation_id == organisation.id)
        ).all()
    }
    for code, link in current.items():
        if code not in codes:
            session.delete(link)
    for code in sorted(set(codes) - set(current)):
        session.add(OrganisationWijk(organisation_id=organisation.id, wijk_code=code))
    session.flush()


def _save(
    session: Session,
    organisation: Organisation,
    clean: CleanOrganisation,
    action: AuditAction,
    actor_user_id: uuid.UUID | None,
    detail: AuditDetail | None,
) -> None:
    """Write the checked values and the wijken onto the organisation, with its audit event."""
    organisation.name = clean.name
    organisation.contact_emails = "\n".join(clean.contact_emails)
    organisation.note = clean.note
    session.add(organisation)
    session.flush()
    _set_wijken(session, organisation, clean.wijken)
    _audit(session, organisation, action, actor_user_id, detail)


def create_organisation(
    session: Session,
    data: OrganisationInput | CleanOrganisation,
    *,
    actor_user_id: uuid.UUID | None,
    detail: AuditDetail | None = None,
) -> Organisation:
    clean = data if isinstance(data, CleanOrganisation) else validate_organisation(session, data)
    organisation = Organisation(name="", contact_emails="")
    _save(session, organisation, clean, AuditAction.CREATE, actor_user_id, detail)
    log.info("organisation created id=%s", organisation.id)
    return organisation


def update_organisation(
    session: Session,
    organisation: Organisation,
    data: OrganisationInput | CleanOrganisation,
    *,
    actor_user_id: uuid.UUID | None,
    detail: AuditDetail | None = None,
) -> Organisation:
    clean = (
        data
        if isinstance(data, CleanOrganisation)
        else validate_organisation(session, data, existing_id=organisation.id)
    )
    _save(session, organisation, clean, AuditAction.UPDATE, actor_user_id, detail)
    log.info("organisation updated id=%s", organisation.id)
    return organisation


def set_organisation_active(
    session: Session, organisation: Organisation, active: bool, *, actor_user_id: uuid.UUID | None
) -> None:
    organisation.active = active
    _store_change(session, organisation, actor_user_id, details.switched_on(active))


def resubscribe(
    session: Session, organisation: Organisation, *, actor_user_id: uuid.UUID | None
) -> bool:
    """The organisation asked to receive oproepen again; False if it was not unsubscribed."""
    if organisation.unsubscribed_at is None:
        return False
    organisation.unsubscribed_at = None
    _store_change(session, organisation, actor_user_id, details.organisation_resubscribed())
    return True


def organisation_for_token(session: Session, secret_key: str, token: str) -> Organisation | None:
    """The organisation of a valid body-link token; None for bad, tampered or unknown."""
    organisation_id = distribution.organisation_from_token(secret_key, token)
    if organisation_id is None:
        return None
    return session.get(Organisation, organisation_id)


def organisation_for_one_click_token(
    session: Session, secret_key: str, token: str
) -> Organisation | None:
    """The organisation of a valid ``List-Unsubscribe`` token; None for bad or unknown."""
    organisation_id = distribution.organisation_from_one_click_token(secret_key, token)
    if organisation_id is None:
        return None
    return session.get(Organisation, organisation_id)


def unsubscribe(
    session: Session,
    organisation: Organisation,
    *,
    now: datetime | None = None,
    how: details.UnsubscribeRoute = "link",
) -> bool:
    """Record the unsubscription (idempotent); True if it changed anything."""
    if organisation.unsubscribed_at is not None:
        return False
    organisation.unsubscribed_at = now or utcnow()
    _store_change(session, organisation, None, details.organisation_unsubscribed(how))
    log.info("organisation unsubscribed id=%s via=%s", organisation.id, how)
    return True


def _address_key(address: str) -> str:
    # Idempotency keys must not hold personal data: a short hash stands for the address.
    return hashlib.sha256(address.casefold().encode()).hexdigest()[:16]


def request_unsubscribe(
    session: Session, settings: Settings, organisation: Organisation, *, now: datetime
) -> UnsubscribeRequest | None:
    """Mail a link to confirm the unsubscribe to the organisation's own addresses (outbox).

    Whoever holds a forwarded mail can ask, so asking changes nothing about the
    organisation. Nothing is mailed (None) when it is unsubscribed already, has no address,
    or was mailed such a link less than ``UNSUBSCRIBE_REQUEST_INTERVAL`` ago; the page says
    the same either way.
    """
    addresses = [line.strip() for line in contact_emails_of(organisation)]
    if organisation.unsubscribed_at is not None or not addresses:
        return None
    recent = session.exec(
        select(UnsubscribeRequest.id).where(
            UnsubscribeRequest.organisation_id == organisation.id,
            col(UnsubscribeRequest.requested_at) > now - UNSUBSCRIBE_REQUEST_INTERVAL,
        )
    ).first()
    if recent is not None:
        log.info("unsubscribe confirmation not mailed again organisation=%s", organisation.id)
        return None
    request = UnsubscribeRequest(organisation_id=organisation.id, requested_at=now)
    session.add(request)
    session.flush()
    mail = render_mail(
        UNSUBSCRIBE_CONFIRM_KIND,
        organisation_name=organisation.name,
        confirm_url=distribution.unsubscribe_confirm_url(
            settings.public_base_url, settings.secret_key, request.id
        ),
        confirm_days=UNSUBSCRIBE_CONFIRM_DAYS,
    )
    for address in addresses:
        queue_mail(
            session,
            idempotency_key=f"{UNSUBSCRIBE_CONFIRM_KIND}:{request.id}:{_address_key(address)}",
            kind=UNSUBSCRIBE_CONFIRM_KIND,
            recipient=address,
            mail=mail,
        )
    log.info("unsubscribe confirmation queued organisation=%s", organisation.id)
    return request


@dataclass(frozen=True)
class PendingUnsubscribe:
    request: UnsubscribeRequest
    organisation: Organisation


def unsubscribe_request_for_token(
    session: Session, secret_key: str, token: str, *, now: datetime
) -> PendingUnsubscribe | None:
    """The unused, unexpired request of a confirmation link; None for any other link."""
    max_age = timedelta(days=UNSUBSCRIBE_CONFIRM_DAYS)
    request_id = distribution.unsubscribe_request_from_token(secret_key, token, max_age)
    request = session.get(UnsubscribeRequest, request_id) if request_id is not None else None
    # The stored time as well as the signed one: a link is never older than its request.
    if request is None or request.used_at is not None or request.requested_at < now - max_age:
        return None
    organisation = session.get(Organisation, request.organisation_id)
    if organisation is None:
        return None
    return PendingUnsubscribe(request=request, organisation=organisation)


def confirm_unsubscribe(session: Session, pending: PendingUnsubscribe, *, now: datetime) -> None:
    """Someone with access to the organisation's mailbox confirmed: unsubscribe it.

    Every open request of the organisation is spent too, so no older link works afterwards
    (also not after a beheerder subscribes the organisation again).
    """
    unsubscribe(session, pending.organisation, now=now, how="bevestigingslink")
    for request in session.exec(
        select(UnsubscribeRequest).where(
            UnsubscribeRequest.organisation_id == pending.organisation.id,
            col(UnsubscribeRequest.used_at).is_(None),
        )
    ).all():
        request.used_at = now
        session.add(request)
    session.flush()


def all_organisations(session: Session) -> list[Organisation]:
    return sorted(session.exec(select(Organisation)).all(), key=lambda org: org.name.casefold())


def wijk_names(session: Session) -> Mapping[str, str]:
    """Wijk code → short name, for lists (read once per process)."""
    return wijk_short_names(session)


# --- the beheerder's list ------------------------------------------------------------------


class OrganisationState(enum.StrEnum):
    """Where an organisation stands, as the list shows and filters it."""

    ACTIVE = "active"  # receives oproepen
    INACTIVE = "inactive"  # made inactive by the beheerder
    UNSUBSCRIBED = "unsubscribed"  # unsubscribed itself (whatever ``active`` says)


STATE_LABELS = {
    OrganisationState.ACTIVE: "Actief",
    OrganisationState.INACTIVE: "Niet actief",
    OrganisationState.UNSUBSCRIBED: "Afgemeld",
}

# The state in SQL, to count and filter by (lower case: not a constant to compare with).
_state: sa.ColumnElement[str] = sa.case(
    (col(Organisation.unsubscribed_at).is_not(None), OrganisationState.UNSUBSCRIBED.value),
    (col(Organisation.active).is_(True), OrganisationState.ACTIVE.value),
    else_=OrganisationState.INACTIVE.value,
)


@dataclass(frozen=True)
class OrganisationRow:
    """One line of the list: no note, and the addresses only counted."""

    id: uuid.UUID
    name: str
    emails: int
    active: bool  # the beheerder's switch (an unsubscribed one may still be switched on)
    state: OrganisationState
    unsubscribed_at: datetime | None
    wijken: list[str]  # short names, sorted


OrganisationsPage = Listing[OrganisationRow, OrganisationState]


def organisations_page(
    session: Session, state: OrganisationState | None, page: int
) -> OrganisationsPage:
    """A page of the organisations by name, optionally those in one state: three queries
    (the counts per state, the rows of this page, their wijken), whatever their number; the
    wijk names are read once per process."""
    counts = {
        OrganisationState(found): int(number)
        for found, number in session.execute(
            sa.select(_state, sa.func.count()).group_by(_state)
        ).all()
    }
    total = counts.get(state, 0) if state is not None else sum(counts.values())
    span = page_span(total, page)
    query = sa.select(
        col(Organisation.id),
        col(Organisation.name),
        col(Organisation.contact_emails),
        col(Organisation.active),
        _state,
        col(Organisation.unsubscribed_at),
    )
    if state is not None:
        query = query.where(_state == state.value)
    found = session.execute(
        query.order_by(sa.func.lower(col(Organisation.name)), col(Organisation.id))
        .offset(span.offset)
        .limit(span.limit)
    ).all()
    codes: dict[uuid.UUID, list[str]] = {row[0]: [] for row in found}
    if codes:
        for organisation_id, code in session.execute(
            sa.select(col(OrganisationWijk.organisation_id), col(OrganisationWijk.wijk_code)).where(
                col(OrganisationWijk.organisation_id).in_(list(codes))
            )
        ):
            codes[organisation_id].append(code)
    names = wijk_names(session)
    rows = [
        OrganisationRow(
            id=organisation_id,
            name=name,
            emails=len([line for line in emails.split("\n") if line.strip()]),
            active=active,
            state=OrganisationState(found_state),
            unsubscribed_at=unsubscribed_at,
            wijken=sorted(names.get(code, code) for code in codes[organisation_id]),
        )
        for organisation_id, name, emails, active, found_state, unsubscribed_at in found
    ]
    return Listing(rows, state, counts, span.page, span.pages, total)
