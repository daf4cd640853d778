"""Distribution services: propose organisations, mail the oproep, follow-ups and reminders.

Services take the session and flush; the request or job commits once. Every mail goes
through the outbox in the same transaction as the change that causes it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from niemand_alleen.audit import AuditDetail, RecordType, details, record_audit
from niemand_alleen.config import Settings
from niemand_alleen.distribution import links
from niemand_alleen.distribution.selection import Candidate, SearchArea, propose, search_area
from niemand_alleen.geo import short_name
from niemand_alleen.lifecycle import Move, MoveRefused, move_oproep
from niemand_alleen.mail import (
    MailKind,
    RenderedMail,
    queue_mail,
    register_mail_kind,
    render_mail,
)
from niemand_alleen.models import (
    AuditAction,
    Dispatch,
    DispatchStatus,
    MailStatus,
    Oproep,
    OproepStatus,
    Organisation,
    OrganisationWijk,
    OutboxMail,
    Resident,
    Role,
    User,
    Volunteer,
    VolunteerStatus,
    Wijk,
    utcnow,
)
from niemand_alleen.reference import cached_gazetteer
from niemand_alleen.signup import confirmed_signups

if TYPE_CHECKING:  # shapely itself comes in with the gazetteer's geometry, on first use
    from shapely.geometry.base import BaseGeometry


class DistributionError(ValueError):
    """A refused distribution step, with a Dutch message for the coordinator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _audit_oproep(
    session: Session, actor_id: uuid.UUID, oproep: Oproep, detail: AuditDetail
) -> None:
    """The event names the oproep and what happened, never the text or the organisations."""
    record_audit(
        session,
        actor_user_id=actor_id,
        action=AuditAction.UPDATE,
        record_type=RecordType.OPROEP,
        record_id=str(oproep.id),
        detail=detail,
    )


# --- the proposal ------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    area: SearchArea
    proposed: list[Candidate]  # reachable and active in the search area: checked by default
    others: list[Candidate]  # reachable, elsewhere: the coordinator may add them
    unreachable: list[Candidate]  # inactive or unsubscribed: shown, not choosable
    already_sent: frozenset[uuid.UUID] = field(default_factory=frozenset)


def wijk_geometries(session: Session) -> dict[str, BaseGeometry]:
    return {area.statcode: area.geometry for area in cached_gazetteer(session).areas.wijken}


def wijk_names(session: Session) -> dict[str, str]:
    return {code: short_name(name) for code, name in session.exec(select(Wijk.code, Wijk.name))}


def all_candidates(session: Session) -> list[Candidate]:
    wijken: dict[uuid.UUID, set[str]] = defaultdict(set)
    for organisation_id, wijk_code in session.exec(
        select(OrganisationWijk.organisation_id, OrganisationWijk.wijk_code)
    ):
        wijken[organisation_id].add(wijk_code)
    return [
        Candidate(
            id=org.id,
            name=org.name,
            wijk_codes=frozenset(wijken[org.id]),
            active=org.active,
            unsubscribed=org.unsubscribed_at is not None,
        )
        for org in session.exec(select(Organisation)).all()
    ]


def resident_location(resident: Resident | None) -> tuple[float, float] | None:
    """The stored (encrypted) "lat,lon" of the resident, if known."""
    if resident is None or not resident.location:
        return None
    lat, lon = (float(part) for part in resident.location.split(","))
    return lat, lon


def proposal_for(session: Session, settings: Settings, oproep: Oproep) -> Proposal:
    resident = session.get(Resident, oproep.resident_id) if oproep.resident_id else None
    area = search_area(
        oproep.wijk_code,
        resident_location(resident),
        wijk_geometries(session),
        settings.distribution_radius_m,
    )
    candidates = all_candidates(session)
    proposed = propose(area, candidates)
    proposed_ids = {org.id for org in proposed}
    by_name = sorted(candidates, key=lambda org: (org.name.casefold(), str(org.id)))
    already_sent = frozenset(
        session.exec(select(Dispatch.organisation_id).where(Dispatch.oproep_id == oproep.id))
    )
    return Proposal(
        area=area,
        proposed=proposed,
        others=[org for org in by_name if org.reachable and org.id not in proposed_ids],
        unreachable=[org for org in by_name if not org.reachable],
        already_sent=already_sent,
    )


# --- sending -----------------------------------------------------------------------------


def contact_addresses(organisation: Organisation) -> list[str]:
    return [line.strip() for line in organisation.contact_emails.splitlines() if line.strip()]


def _address_key(address: str) -> str:
    # Idempotency keys must not hold personal data: a short hash stands for the address.
    return hashlib.sha256(address.casefold().encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Contact:
    """Who organisations may ask about an oproep: the approving coordinator."""

    name: str
    email: str


def oproep_contact(session: Session, oproep: Oproep) -> Contact | None:
    user = session.get(User, oproep.approved_by_id) if oproep.approved_by_id else None
    if user is None or not user.active:
        user = session.exec(
            select(User)
            .where(User.role == Role.COORDINATOR, col(User.active).is_(True))
            .order_by(col(User.created_at))
        ).first()
    return None if user is None else Contact(name=user.name, email=user.email)


def _mail_context(
    session: Session, settings: Settings, oproep: Oproep, organisation: Organisation
) -> dict[str, object]:
    wijk = session.get(Wijk, oproep.wijk_code) if oproep.wijk_code else None
    return {
        "organisation_name": organisation.name,
        "oproep_text": oproep.text or "",
        "wijk_name": short_name(wijk.name) if wijk else None,
        "pc4": oproep.pc4,
        "places": oproep.places,
        "deadline": oproep.deadline,
        "contact": oproep_contact(session, oproep),
        "unsubscribe_url": links.unsubscribe_url(
            settings.public_base_url, settings.secret_key, organisation.id
        ),
        "general_signup_url": links.general_signup_url(settings.public_base_url),
        "sent_on": oproep.sent_at,
    }


def organisation_mail_context(
    session: Session, settings: Settings, oproep: Oproep, organisation: Organisation
) -> dict[str, object]:
    """What every mail to an organisation about an oproep may name (wijk, PC4, the date it
    was sent, the contact and the unsubscribe link), for mails of other features."""
    return _mail_context(session, settings, oproep, organisation)


def _signup_mail(
    session: Session,
    settings: Settings,
    oproep: Oproep,
    organisation: Organisation,
    dispatch: Dispatch,
    kind: str,
) -> RenderedMail:
    """The oproep (or its reminder) for one organisation, with that dispatch's sign-up link."""
    context = _mail_context(session, settings, oproep, organisation)
    context["signup_url"] = links.signup_url(settings.public_base_url, dispatch.referral_code)
    return render_mail(kind, **context)


def queue_to_organisation(
    session: Session,
    dispatch: Dispatch,
    addresses: Iterable[str],
    mail: RenderedMail,
    *,
    kind: str,
    key: str | None = None,
) -> list[OutboxMail]:
    """Queue the mail to each address of the dispatch's organisation, once per address and
    ``key`` (by default the kind and the dispatch)."""
    key = key or f"{kind}:{dispatch.id}"
    return [
        queue_mail(
            session,
            idempotency_key=f"{key}:{_address_key(address)}",
            kind=kind,
            recipient=address,
            mail=mail,
            oproep_id=dispatch.oproep_id,
            dispatch_id=dispatch.id,
        )
        for address in addresses
    ]


def _check_sendable(oproep: Oproep, organisation_ids: Sequence[uuid.UUID], today: date) -> None:
    """Raise :class:`DistributionError` when this oproep cannot be sent now."""
    if oproep.status not in (OproepStatus.APPROVED, OproepStatus.OPEN):
        raise DistributionError("Alleen een goedgekeurde of lopende oproep kan verzonden worden.")
    if not oproep.text:
        raise DistributionError("Deze oproep heeft nog geen goedgekeurde tekst.")
    if oproep.deadline is None or oproep.deadline < today:
        raise DistributionError(
            "De einddatum van deze oproep is voorbij. Laat de buurtwerker een nieuwe "
            "einddatum invullen en verstuur de oproep daarna."
        )
    if not organisation_ids:
        raise DistributionError(
            "Kies minstens één organisatie. Is er geen organisatie actief in het zoekgebied? "
            "Vraag de beheerder een organisatie aan deze wijk toe te voegen."
        )


def _organisations_not_yet_mailed(
    session: Session, oproep: Oproep, organisation_ids: Sequence[uuid.UUID]
) -> list[Organisation]:
    """The chosen organisations that have not received this oproep; raises when one of
    them takes no oproepen or when all of them had it already."""
    organisations = []
    for organisation_id in dict.fromkeys(organisation_ids):
        organisation = session.get(Organisation, organisation_id)
        if organisation is None or not organisation.active or organisation.unsubscribed_at:
            raise DistributionError(
                "Een gekozen organisatie ontvangt geen oproepen (meer). Kies opnieuw."
            )
        organisations.append(organisation)

    already_sent = set(
        session.exec(select(Dispatch.organisation_id).where(Dispatch.oproep_id == oproep.id))
    )
    new = [org for org in organisations if org.id not in already_sent]
    if not new:
        raise DistributionError("De gekozen organisaties hebben deze oproep al ontvangen.")
    return new


def send_oproep(
    session: Session,
    settings: Settings,
    oproep: Oproep,
    organisation_ids: Sequence[uuid.UUID],
    actor_id: uuid.UUID,
    today: date,
) -> list[Dispatch]:
    """Mail the oproep to the chosen organisations (each at most once).

    The first send opens the oproep; later sends (while it is open) reach organisations that
    were not mailed yet.
    """
    _check_sendable(oproep, organisation_ids, today)
    new = _organisations_not_yet_mailed(session, oproep, organisation_ids)

    dispatches = []
    for organisation in new:
        dispatch = Dispatch(
            oproep_id=oproep.id,
            organisation_id=organisation.id,
            referral_code=secrets.token_urlsafe(12),
        )
        session.add(dispatch)
        session.flush()
        mail = _signup_mail(session, settings, oproep, organisation, dispatch, "oproep")
        addresses = contact_addresses(organisation)
        key = f"oproep:{oproep.id}:{organisation.id}"
        queue_to_organisation(session, dispatch, addresses, mail, kind="oproep", key=key)
        dispatches.append(dispatch)

    if oproep.status == OproepStatus.APPROVED:
        detail = details.oproep_sent(len(dispatches))
        move_oproep(session, settings, oproep, Move.SEND, actor_id=actor_id, detail=detail)
    else:  # already open: more organisations, no move
        _audit_oproep(session, actor_id, oproep, details.oproep_sent(len(dispatches), more=True))
    return dispatches


# --- follow-ups ----------------------------------------------------------------------------

_UNSENT_CANCELLED = "Niet verstuurd: de oproep werd gestopt voordat deze mail weg was."


def _queue_followups(
    session: Session, settings: Settings, oproep: Oproep, kind: str
) -> list[OutboxMail]:
    """Tell every organisation that was mailed the oproep to stop forwarding it.

    Oproep mails still waiting in the outbox are withdrawn instead: an organisation that never
    received the oproep gets no follow-up either.
    """
    queued: list[OutboxMail] = []
    for dispatch in session.exec(select(Dispatch).where(Dispatch.oproep_id == oproep.id)).all():
        waiting = session.exec(
            select(OutboxMail).where(
                OutboxMail.dispatch_id == dispatch.id,
                OutboxMail.kind == "oproep",
                OutboxMail.status == MailStatus.PENDING,
            )
        ).all()
        for withdrawn in waiting:
            withdrawn.status, withdrawn.last_error = MailStatus.FAILED, _UNSENT_CANCELLED
            session.add(withdrawn)
        received = session.exec(
            select(OutboxMail.recipient).where(
                OutboxMail.dispatch_id == dispatch.id,
                OutboxMail.kind == "oproep",
                col(OutboxMail.status).in_(
                    [MailStatus.SENT, MailStatus.SENDING, MailStatus.UNCERTAIN]
                ),
            )
        ).all()
        organisation = session.get(Organisation, dispatch.organisation_id)
        if organisation is None or not received:
            continue
        followup = render_mail(kind, **_mail_context(session, settings, oproep, organisation))
        addresses = [address for address in received if address is not None]  # None: purged
        queued += queue_to_organisation(session, dispatch, addresses, followup, kind=kind)
    session.flush()
    return queued


def cancel_oproep(
    session: Session, settings: Settings, oproep: Oproep, actor_id: uuid.UUID
) -> list[OutboxMail]:
    """Stop an oproep; organisations that received it are asked to stop forwarding it."""
    try:
        move_oproep(session, settings, oproep, Move.CANCEL, actor_id=actor_id)
    except MoveRefused as refused:
        raise DistributionError(refused.message) from None
    return _queue_followups(session, settings, oproep, "oproep_cancelled")


def oproep_filled(
    session: Session, settings: Settings, oproep: Oproep, _actor_id: uuid.UUID | None = None
) -> list[OutboxMail]:
    """Run when an oproep enters *matched* (``lifecycle.on_entering``): the organisations
    that received it hear it is filled."""
    return _queue_followups(session, settings, oproep, "oproep_filled")


# --- reminders -------------------------------------------------------------------------------


def needs_reminder(settings: Settings, oproep: Oproep, signups: int, today: date) -> bool:
    """Open, deadline near (but not passed), and fewer confirmed sign-ups than wanted."""
    if oproep.status != OproepStatus.OPEN or oproep.deadline is None:
        return False
    window_start = oproep.deadline - timedelta(days=settings.reminder_days_before_deadline)
    return window_start <= today <= oproep.deadline and signups < settings.reminder_min_signups


def remind_coordinators(session: Session, settings: Settings, today: date) -> int:
    """Mail the coordinator of each open oproep that has too few sign-ups; once per oproep."""
    reminded = 0
    for oproep in session.exec(
        select(Oproep).where(
            Oproep.status == OproepStatus.OPEN, col(Oproep.coordinator_reminded_at).is_(None)
        )
    ).all():
        signups = confirmed_signups(session, oproep.id)
        if not needs_reminder(settings, oproep, signups, today):
            continue
        contact = oproep_contact(session, oproep)
        if contact is None:
            continue
        wijk = session.get(Wijk, oproep.wijk_code) if oproep.wijk_code else None
        mail = render_mail(
            "coordinator_reminder",
            coordinator_name=contact.name,
            wijk_name=short_name(wijk.name) if wijk else None,
            pc4=oproep.pc4,
            deadline=oproep.deadline,
            signups=signups,
            wanted=settings.reminder_min_signups,
            oproep_url=f"{settings.public_base_url}/oproepen/{oproep.id}/verspreiding",
        )
        queue_mail(
            session,
            idempotency_key=f"coordinator_reminder:{oproep.id}",
            kind="coordinator_reminder",
            recipient=contact.email,
            mail=mail,
            oproep_id=oproep.id,
        )
        oproep.coordinator_reminded_at = utcnow()
        session.add(oproep)
        reminded += 1
    session.flush()
    return reminded


def remind_organisations(
    session: Session, settings: Settings, oproep: Oproep, actor_id: uuid.UUID, today: date
) -> list[OutboxMail]:
    """The coordinator's one click: every organisation that received the oproep is reminded."""
    if oproep.status != OproepStatus.OPEN:
        raise DistributionError("Alleen bij een lopende oproep kunt u een herinnering sturen.")
    if oproep.deadline is not None and oproep.deadline < today:
        raise DistributionError("De einddatum is voorbij; een herinnering heeft geen zin meer.")
    if oproep.organisations_reminded_at is not None:
        raise DistributionError("De organisaties hebben al een herinnering gekregen.")
    queued: list[OutboxMail] = []
    for dispatch in session.exec(select(Dispatch).where(Dispatch.oproep_id == oproep.id)).all():
        organisation = session.get(Organisation, dispatch.organisation_id)
        if organisation is None or not organisation.active or organisation.unsubscribed_at:
            continue
        mail = _signup_mail(session, settings, oproep, organisation, dispatch, "oproep_reminder")
        addresses = contact_addresses(organisation)
        queued += queue_to_organisation(session, dispatch, addresses, mail, kind="oproep_reminder")
    if not queued:
        raise DistributionError("Er is geen organisatie meer die een herinnering kan krijgen.")
    oproep.organisations_reminded_at = utcnow()
    session.add(oproep)
    session.flush()
    _audit_oproep(session, actor_id, oproep, details.organisations_reminded())
    return queued


# --- the coordinator's overview ------------------------------------------------------------


@dataclass(frozen=True)
class DispatchRow:
    dispatch: Dispatch
    organisation_name: str
    mails: list[OutboxMail]
    signups: int
    confirmed: int

    @property
    def delivery(self) -> str:
        """One word for the oproep mails of this organisation (all addresses together)."""
        statuses = {mail.status for mail in self.mails if mail.kind == "oproep"}
        if not statuses:
            return "geen adres"
        for status in (
            MailStatus.FAILED,
            MailStatus.UNCERTAIN,
            MailStatus.PENDING,
            MailStatus.SENDING,
        ):
            if status in statuses:
                return status.value
        return MailStatus.SENT.value

    @property
    def sent_at(self) -> datetime | None:
        times = [m.sent_at for m in self.mails if m.kind == "oproep" and m.sent_at is not None]
        return max(times) if times else None

    @property
    def problems(self) -> list[OutboxMail]:
        return [
            mail
            for mail in self.mails
            if mail.status in (MailStatus.FAILED, MailStatus.UNCERTAIN) or mail.last_error
        ]


def dispatch_overview(session: Session, oproep: Oproep) -> list[DispatchRow]:
    """Per organisation: when mailed, delivery status, and sign-ups through its link."""
    counts: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
    for dispatch_id, status, number in session.exec(
        select(Volunteer.dispatch_id, Volunteer.status, func.count())
        .where(Volunteer.oproep_id == oproep.id, col(Volunteer.dispatch_id).is_not(None))
        .group_by(col(Volunteer.dispatch_id), col(Volunteer.status))
    ):
        assert dispatch_id is not None
        counts[dispatch_id][0] += number
        if status == VolunteerStatus.CONFIRMED:
            counts[dispatch_id][1] += number
    mails: dict[uuid.UUID, list[OutboxMail]] = defaultdict(list)
    for mail in session.exec(
        select(OutboxMail).where(OutboxMail.oproep_id == oproep.id).order_by(col(OutboxMail.id))
    ).all():
        if mail.dispatch_id is not None:
            mails[mail.dispatch_id].append(mail)
    rows = []
    for dispatch, name in session.exec(
        select(Dispatch, Organisation.name)
        .join(Organisation, col(Organisation.id) == col(Dispatch.organisation_id))
        .where(Dispatch.oproep_id == oproep.id)
    ).all():
        signups, confirmed = counts[dispatch.id]
        rows.append(
            DispatchRow(
                dispatch=dispatch,
                organisation_name=name,
                mails=mails[dispatch.id],
                signups=signups,
                confirmed=confirmed,
            )
        )
    return sorted(rows, key=lambda row: row.organisation_name.casefold())


def signups_without_referral(session: Session, oproep_id: uuid.UUID) -> int:
    return session.exec(
        select(func.count())
        .select_from(Volunteer)
        .where(Volunteer.oproep_id == oproep_id, col(Volunteer.dispatch_id).is_(None))
    ).one()


# --- what the sender asks of distribution's mails (``mail.kinds``) ---------------------


_MAILS_OF_DISPATCHES = sa.select(
    col(OutboxMail.dispatch_id),
    col(OutboxMail.kind),
    col(OutboxMail.status),
    col(OutboxMail.sent_at),
).where(col(OutboxMail.dispatch_id).in_(sa.bindparam("ids", expanding=True)))
_DISPATCH_BY_ID = Dispatch.__table__.update().where(  # type: ignore[attr-defined]
    Dispatch.__table__.c.id == sa.bindparam("dispatch")  # type: ignore[attr-defined]
)
_DISPATCH_SENT = _DISPATCH_BY_ID.values(
    status=DispatchStatus.SENT, sent_at=sa.bindparam("first_sent")
)
_DISPATCH_STATUS = _DISPATCH_BY_ID.values(status=sa.bindparam("new_status"))


def settle_dispatches(session: Session, dispatch_ids: Collection[uuid.UUID]) -> None:
    """A dispatch is what its oproep mails (one per contact address) add up to: sent once
    any arrived, queued while any may still go, failed when none can. One pass for all the
    dispatches of a batch of outcomes, in three statements built once (the sender calls
    this for every batch it records)."""
    connection = session.connection()
    mails: dict[uuid.UUID, list[tuple[MailStatus, datetime | None]]] = defaultdict(list)
    # The kind is checked here, not in SQL: SQLite would then scan every oproep mail through
    # the kind's index instead of looking up these dispatches.
    for dispatch_id, kind, status, sent_at in connection.execute(
        _MAILS_OF_DISPATCHES, {"ids": list(dispatch_ids)}
    ):
        if dispatch_id is not None and kind == "oproep":
            mails[dispatch_id].append((MailStatus(status), sent_at))
    sent: list[dict[str, object]] = []
    others: list[dict[str, object]] = []
    for dispatch_id, outcomes in mails.items():
        times = [at for status, at in outcomes if status == MailStatus.SENT and at is not None]
        if times:
            sent.append({"dispatch": dispatch_id, "first_sent": min(times)})
        elif any(status in (MailStatus.PENDING, MailStatus.SENDING) for status, _ in outcomes):
            others.append({"dispatch": dispatch_id, "new_status": DispatchStatus.QUEUED})
        else:
            others.append({"dispatch": dispatch_id, "new_status": DispatchStatus.FAILED})
    if sent:
        connection.execute(_DISPATCH_SENT, sent)
    if others:
        connection.execute(_DISPATCH_STATUS, others)


def organisation_mail_headers(
    session: Session, settings: Settings, mail: OutboxMail
) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe for a mail to an organisation: its own token, never
    in a body (forwarding drops headers)."""
    dispatch = session.get(Dispatch, mail.dispatch_id) if mail.dispatch_id else None
    if dispatch is None:
        return {}
    url = links.one_click_unsubscribe_url(
        settings.public_base_url, settings.secret_key, dispatch.organisation_id
    )
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def only_while_open(session: Session, mail: OutboxMail) -> str | None:
    """An oproep or its reminder makes no sense once the oproep is stopped, filled or closed."""
    oproep = session.get(Oproep, mail.oproep_id) if mail.oproep_id else None
    if oproep is not None and oproep.status == OproepStatus.OPEN:
        return None
    return "Deze oproep loopt niet meer; de mail wordt niet opnieuw verstuurd."


def register_mail_kinds() -> None:
    for name, label, recipient in (
        ("oproep", "Oproep aan organisatie", "organisatie"),
        ("oproep_reminder", "Herinnering aan organisatie", "organisatie"),
        ("oproep_cancelled", "Oproep ingetrokken (aan organisatie)", "organisatie"),
        ("oproep_filled", "Oproep vervuld (aan organisatie)", "organisatie"),
    ):
        register_mail_kind(
            MailKind(
                name=name,
                label=label,
                recipient=recipient,
                headers=organisation_mail_headers,
                after_outcome=settle_dispatches if name == "oproep" else None,
                retry_refusal=only_while_open if name in ("oproep", "oproep_reminder") else None,
            )
        )
    register_mail_kind(
        MailKind("coordinator_reminder", "Herinnering aan coördinator", "coördinator")
    )
