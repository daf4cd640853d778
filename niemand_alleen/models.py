"""All tables of the service (SQLModel), in the words of DESIGN.md.

Personal fields use ``EncryptedText`` (encrypted at rest); where equality lookups are needed a
keyed hash column sits beside them (``*_hash``). Timestamps are timezone-aware UTC.
Status fields are enums stored as their string values (no native database enum types, so
migrations stay plain on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from niemand_alleen.crypto import EncryptedText
from niemand_alleen.geo import LocationPrecision

# Named constraints keep Alembic's batch mode on SQLite reliable (R3.3.4).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


# Dordrecht's clock: dates and times shown to people, deadlines, days of the week.
LOCAL_TIMEZONE = ZoneInfo("Europe/Amsterdam")


def local_today() -> date:
    """Today in Dordrecht: deadlines are local dates ("tot en met")."""
    return datetime.now(LOCAL_TIMEZONE).date()


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, also on SQLite (which drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def __repr__(self) -> str:
        return "UTCDateTime()"


def enum_type(enum_class: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _fk(
    target: str,
    ondelete: Literal["CASCADE", "SET NULL", "RESTRICT"],
    nullable: bool = True,
    index: bool = True,
) -> Any:
    return Field(
        default=None, foreign_key=target, ondelete=ondelete, nullable=nullable, index=index
    )


def _secret(nullable: bool = True) -> Any:
    return Field(default=None, sa_type=EncryptedText, nullable=nullable)


# --- enums ---------------------------------------------------------------------------


class Role(enum.StrEnum):
    BEHEERDER = "beheerder"
    COORDINATOR = "coordinator"
    BUURTWERKER = "buurtwerker"


class ResidentStatus(enum.StrEnum):
    REGISTERED = "registered"
    CLOSED = "closed"


class LawfulBasisArt6(enum.StrEnum):
    CONSENT = "consent"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTEREST = "legitimate_interest"
    VITAL_INTEREST = "vital_interest"


class LawfulBasisArt9(enum.StrEnum):
    EXPLICIT_CONSENT = "explicit_consent"
    SOCIAL_CARE = "social_care"
    VITAL_INTEREST = "vital_interest"
    NOT_APPLICABLE = "not_applicable"


class OproepStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    OPEN = "open"
    CLOSED = "closed"
    MATCHED = "matched"
    CANCELLED = "cancelled"


class DispatchStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class FollowupOutcome(enum.StrEnum):
    """Six weeks after a match: is the small network still there?"""

    ACTIVE = "active"
    ENDED = "ended"
    UNKNOWN = "unknown"


class DeclineCode(enum.StrEnum):
    """Why a proposed neighbour did not become a good neighbour (counted in the evaluation)."""

    NO_TIME = "no_time"
    NOT_A_FIT = "not_a_fit"
    RESIDENT_DECLINED = "resident_declined"
    CIRCUMSTANCES = "circumstances"
    OTHER = "other"


class VolunteerStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROACHED = "approached"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    UNREACHABLE = "unreachable"
    # The neighbour withdrew their sign-up (the withdraw link): neither a refusal nor open.
    WITHDRAWN = "withdrawn"


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by the sender; recorded before the SMTP transaction
    SENT = "sent"
    FAILED = "failed"  # gave up after the configured attempts, or refused for good
    # The worker stopped between sending and recording: it may have arrived. Never resent
    # by itself (at most once); a person decides after checking with the recipient.
    UNCERTAIN = "uncertain"


class AuditAction(enum.StrEnum):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    DENIED = "denied"


# --- geography -------------------------------------------------------------------------


class Wijk(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=10)  # CBS statcode, e.g. WK050501
    name: str = Field(max_length=120)  # CBS statnaam, e.g. "Wijk 01 Binnenstad"
    municipality_code: str = Field(max_length=6, index=True)  # e.g. 0505
    geometry: str = Field(sa_type=sa.Text)  # GeoJSON geometry, WGS84 lon/lat
    source: str = Field(max_length=200)


class Buurt(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=12)  # e.g. BU05050101
    name: str = Field(max_length=120)
    wijk_code: str = _fk("wijk.code", "CASCADE", nullable=False)
    geometry: str = Field(sa_type=sa.Text)
    source: str = Field(max_length=200)


class PostcodePoint(SQLModel, table=True):
    """Reference point of a PC4 (``3311``) or PC6 (``3311AB``) area; not personal data."""

    __tablename__ = "postcode_point"

    postcode: str = Field(primary_key=True, max_length=6)
    precision: LocationPrecision = Field(sa_type=enum_type(LocationPrecision))
    place: str | None = Field(default=None, max_length=120)
    lat: float
    lon: float
    source: str = Field(max_length=200)


# --- accounts --------------------------------------------------------------------------


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(sa_type=EncryptedText)
    email_hash: str = Field(max_length=64, unique=True)
    name: str = Field(sa_type=EncryptedText)
    role: Role = Field(sa_type=enum_type(Role))
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = _created()
    # Second factor (TOTP): the shared secret is a credential, so encrypted; the last used
    # time step refuses a code being used twice within its window.
    totp_secret: str | None = _secret()
    totp_enrolled_at: datetime | None = _ts(nullable=True)
    totp_last_step: int | None = Field(default=None, sa_type=sa.BigInteger)


class UserSession(SQLModel, table=True):
    """Server-side staff session: the cookie holds a random token, this row its hash."""

    __tablename__ = "user_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = _fk("user_account.id", "CASCADE", nullable=False)
    created_at: datetime = _created()
    last_seen_at: datetime = _created()


class RecoveryCode(SQLModel, table=True):
    """One-time recovery code for the second factor, stored as a keyed hash only."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: uuid.UUID = _fk("user_account.id", "CASCADE", nullable=False)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _created()


class PasswordReset(SQLModel, table=True):
    """A mailed link to choose a new password: single use, valid for 30 minutes.

    Only the SHA-256 of the link's random token is stored, so a database dump holds no
    usable link. ``user_id`` is NULL only in the stand-in row written (and rolled back) for
    an address without an active account, so that both answers do the same work.
    """

    __tablename__ = "password_reset"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID | None = _fk("user_account.id", "CASCADE")
    requested_at: datetime = _created()
    used_at: datetime | None = _ts(nullable=True)


class LoginAttempt(SQLModel, table=True):
    """Failed logins per account key, shared by every web worker (throttling)."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    account_key: str = Field(max_length=64, index=True)  # keyed hash of the typed e-mail
    attempted_at: datetime = _created()
    succeeded: bool = False


# --- organisations ---------------------------------------------------------------------


class Organisation(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    # May name a contact person, so encrypted; newline-separated, validated on input.
    contact_emails: str = Field(sa_type=EncryptedText)
    note: str | None = _secret()
    active: bool = True
    # Set by the one-click header link or a confirmed unsubscribe request (signed tokens).
    unsubscribed_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _created()


class UnsubscribeRequest(SQLModel, table=True):
    """A request, from the unsubscribe link in a mail's body, to unsubscribe an organisation.

    That body may be forwarded, so its link only mails a confirmation link to the
    organisation's own addresses; the confirmation link names this row, which makes it
    single use (``used_at``). No personal data: an organisation id and two times.
    """

    __tablename__ = "unsubscribe_request"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = _fk("organisation.id", "CASCADE", nullable=False)
    requested_at: datetime = _created()
    used_at: datetime | None = _ts(nullable=True)


class OrganisationWijk(SQLModel, table=True):
    __tablename__ = "organisation_wijk"

    organisation_id: uuid.UUID = Field(
        foreign_key="organisation.id", ondelete="CASCADE", primary_key=True
    )
    wijk_code: str = Field(
        foreign_key="wijk.code", ondelete="CASCADE", primary_key=True, max_length=10
    )


# --- residents and oproepen ------------------------------------------------------------


class Resident(SQLModel, table=True):
    """A resident registered by a buurtwerker: every personal field is encrypted."""

    # R1.2: explicit consent as the art. 9 basis needs its evidence.
    __table_args__ = (
        sa.CheckConstraint(
            "lawful_basis_art9 <> 'explicit_consent' OR "
            "(consent_recorded_at IS NOT NULL AND consent_text_version IS NOT NULL)",
            name="explicit_consent_recorded",
        ),
        # The buurtwerker's list, newest first, read a page at a time from the index.
        sa.Index("ix_resident_registered_by_id_created_at", "registered_by_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    registered_by_id: uuid.UUID | None = _fk("user_account.id", "SET NULL")
    first_name: str = Field(sa_type=EncryptedText)
    last_name: str = Field(sa_type=EncryptedText)
    street: str = Field(sa_type=EncryptedText)
    house_number: str = Field(sa_type=EncryptedText)
    postcode: str = Field(sa_type=EncryptedText)
    phone: str = Field(sa_type=EncryptedText)
    email: str | None = _secret()
    birth_date: str = Field(sa_type=EncryptedText)  # ISO date; justified in the data inventory
    situation: str = Field(sa_type=EncryptedText)
    # Comma-separated choice codes; can reveal care needs, so encrypted like the free text.
    help_wished: str = Field(default="", sa_type=EncryptedText)
    help_other: str | None = _secret()
    preferences: str | None = _secret()
    location: str | None = _secret()  # "lat,lon"
    location_precision: LocationPrecision = Field(
        default=LocationPrecision.UNKNOWN, sa_type=enum_type(LocationPrecision)
    )
    pc4: str | None = Field(default=None, max_length=4, index=True)
    wijk_code: str | None = _fk("wijk.code", "SET NULL")
    buurt_code: str | None = _fk("buurt.code", "SET NULL")
    lawful_basis_art6: LawfulBasisArt6 = Field(sa_type=enum_type(LawfulBasisArt6))
    lawful_basis_art9: LawfulBasisArt9 = Field(sa_type=enum_type(LawfulBasisArt9))
    consent_recorded_at: datetime | None = _ts(nullable=True)
    consent_recorded_by_id: uuid.UUID | None = _fk("user_account.id", "SET NULL")
    consent_text_version: str | None = Field(default=None, max_length=40)
    status: ResidentStatus = Field(
        default=ResidentStatus.REGISTERED, sa_type=enum_type(ResidentStatus)
    )
    created_at: datetime = _created()
    updated_at: datetime = _created()
    closed_at: datetime | None = _ts(nullable=True)


class Oproep(SQLModel, table=True):
    # The coordinator's list, newest first, read a page at a time from the index.
    __table_args__ = (sa.Index("ix_oproep_created_at", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    resident_id: uuid.UUID | None = _fk("resident.id", "SET NULL")
    proposed_text: str | None = _secret()
    # The worker checks every proposed text with the de-identification library; its
    # warnings (JSON: category, offsets, sentence; never the text) need confirmation.
    proposal_checked_at: datetime | None = _ts(nullable=True)
    proposal_warnings: str | None = Field(default=None, sa_type=sa.Text)
    text: str | None = _secret()  # the approved, anonymised text
    pc4: str | None = Field(default=None, max_length=4, index=True)
    wijk_code: str | None = _fk("wijk.code", "SET NULL")
    places: int = 3
    deadline: date | None = None
    status: OproepStatus = Field(default=OproepStatus.DRAFT, sa_type=enum_type(OproepStatus))
    approved_by_id: uuid.UUID | None = _fk("user_account.id", "SET NULL")
    approved_at: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)  # mailed to the organisations
    closed_at: datetime | None = _ts(nullable=True)
    # Too few sign-ups shortly before the deadline: when the coordinator was told, and when
    # (at their click) the organisations were reminded.
    coordinator_reminded_at: datetime | None = _ts(nullable=True)
    organisations_reminded_at: datetime | None = _ts(nullable=True)
    # Matching: closed without any candidate (the coordinator was told what to do), matched,
    # and the check six weeks later whether the network is still active.
    no_candidates_at: datetime | None = _ts(nullable=True)
    matched_at: datetime | None = _ts(nullable=True)
    followup_reminded_at: datetime | None = _ts(nullable=True)
    followup_outcome: FollowupOutcome | None = Field(
        default=None, sa_type=enum_type(FollowupOutcome), nullable=True
    )
    followup_recorded_at: datetime | None = _ts(nullable=True)
    followup_recorded_by_id: uuid.UUID | None = _fk("user_account.id", "SET NULL")
    created_at: datetime = _created()


class Dispatch(SQLModel, table=True):
    """One oproep mailed to one organisation; the referral code marks its sign-up link."""

    __table_args__ = (sa.UniqueConstraint("oproep_id", "organisation_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    oproep_id: uuid.UUID = _fk("oproep.id", "CASCADE", nullable=False)
    organisation_id: uuid.UUID = _fk("organisation.id", "CASCADE", nullable=False)
    referral_code: str = Field(max_length=32, unique=True)
    status: DispatchStatus = Field(default=DispatchStatus.QUEUED, sa_type=enum_type(DispatchStatus))
    created_at: datetime = _created()
    sent_at: datetime | None = _ts(nullable=True)


class Volunteer(SQLModel, table=True):
    """A good neighbour's sign-up, for one oproep or for the wijk in general."""

    # The matcher's bounding-box prefilter: one composite index, so the database seeks on
    # latitude and checks longitude inside the index before touching any row.
    __table_args__ = (sa.Index("ix_volunteer_lat_lon", "lat", "lon"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    oproep_id: uuid.UUID | None = _fk("oproep.id", "SET NULL")
    dispatch_id: uuid.UUID | None = _fk("dispatch.id", "SET NULL")
    wijk_code: str | None = _fk("wijk.code", "SET NULL")
    first_name: str = Field(sa_type=EncryptedText)
    last_name: str = Field(sa_type=EncryptedText)
    email: str = Field(sa_type=EncryptedText)
    email_hash: str = Field(max_length=64, index=True)
    phone: str = Field(sa_type=EncryptedText)
    postcode: str = Field(sa_type=EncryptedText)
    house_number: str = Field(sa_type=EncryptedText)
    pc4: str | None = Field(default=None, max_length=4, index=True)
    # Plain so candidates can be prefiltered on an indexed bounding box; rounded to 0.001°
    # (about 100 m) before storing, so they never point at one house.
    lat: float | None = None
    lon: float | None = None
    location_precision: LocationPrecision = Field(
        default=LocationPrecision.UNKNOWN, sa_type=enum_type(LocationPrecision)
    )
    availability: str | None = _secret()
    motivation: str | None = _secret()
    languages: str | None = _secret()
    consent_at: datetime = _created()
    contact_again: bool = False
    # The postcode lies outside the service area (``SERVICE_AREA_PC4``) and the neighbour
    # ticked that they still want to help: never proposed beyond the distance set for that.
    outside_area: bool = False
    # The language of the public pages at sign-up ("nl" or "en"): the mails to this
    # neighbour are written in it. Not personal: kept when the sign-up is purged.
    locale: str = Field(default="nl", max_length=5)
    status: VolunteerStatus = Field(
        default=VolunteerStatus.UNCONFIRMED, sa_type=enum_type(VolunteerStatus)
    )
    created_at: datetime = _created()
    confirmed_at: datetime | None = _ts(nullable=True)
    withdrawn_at: datetime | None = _ts(nullable=True)
    # Set when the retention purge blanked the personal fields; the row stays for counts.
    purged_at: datetime | None = _ts(nullable=True)


class SignupRate(SQLModel, table=True):
    """Sign-up attempts per bucket and clock hour, shared by every web worker (rate limits).

    A bucket is a keyed hash of a client address, an oproep id or the general form; rows of
    past hours are deleted as soon as a new hour starts.
    """

    __tablename__ = "signup_rate"

    bucket: str = Field(primary_key=True, max_length=80)
    window_start: datetime = Field(primary_key=True, sa_type=UTCDateTime, index=True)
    count: int = 0


class Match(SQLModel, table=True):
    __tablename__ = "match"
    __table_args__ = (sa.UniqueConstraint("oproep_id", "volunteer_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    oproep_id: uuid.UUID = _fk("oproep.id", "CASCADE", nullable=False)
    volunteer_id: uuid.UUID | None = _fk("volunteer.id", "SET NULL")
    rank: int  # the distance is derived from the two locations, never stored
    status: MatchStatus = Field(default=MatchStatus.PROPOSED, sa_type=enum_type(MatchStatus))
    decline_reason: str | None = _secret()
    decline_code: DeclineCode | None = Field(
        default=None, sa_type=enum_type(DeclineCode), nullable=True
    )
    decided_by_id: uuid.UUID | None = _fk("user_account.id", "SET NULL")
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ResidentVeto(SQLModel, table=True):
    """A neighbour the resident does not want, by keyed e-mail hash: never proposed again."""

    __tablename__ = "resident_veto"
    __table_args__ = (sa.UniqueConstraint("resident_id", "email_hash"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    resident_id: uuid.UUID = _fk("resident.id", "CASCADE", nullable=False)
    email_hash: str = Field(max_length=64)
    recorded_by_id: uuid.UUID | None = _fk("user_account.id", "SET NULL")
    created_at: datetime = _created()


# --- questionnaires for the evaluation -----------------------------------------------


class QuestionnaireAudience(enum.StrEnum):
    """Who is asked: a confirmed good neighbour, or an organisation that got the oproep."""

    NEIGHBOUR = "neighbour"
    ORGANISATION = "organisation"


class QuestionnaireInvitation(SQLModel, table=True):
    """A mailed, single-use link to a short questionnaire for the evaluation.

    For a neighbour it names their match (six weeks after the oproep was matched), for an
    organisation its dispatch (after the oproep closed); at most one each (the job's
    idempotency). Only a keyed hash of the link's random token is stored. The answers are
    stored apart, without a link back to this row: ``answered_at`` only makes it single use.
    """

    __tablename__ = "questionnaire_invitation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    audience: QuestionnaireAudience = Field(sa_type=enum_type(QuestionnaireAudience))
    oproep_id: uuid.UUID = _fk("oproep.id", "CASCADE", nullable=False)
    match_id: uuid.UUID | None = Field(
        default=None, foreign_key="match.id", ondelete="CASCADE", unique=True
    )
    dispatch_id: uuid.UUID | None = Field(
        default=None, foreign_key="dispatch.id", ondelete="CASCADE", unique=True
    )
    token_hash: str = Field(max_length=64, unique=True)
    sent_at: datetime = _created()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    answered_at: datetime | None = _ts(nullable=True)


class QuestionnaireAnswer(SQLModel, table=True):
    """One filled-in questionnaire: who was asked (neighbour or organisation), the scores
    1–5 and the optional open answer (encrypted; purged after its retention period).

    Deliberately no link to the invitation, the oproep or a person: the evaluation needs
    only the figures and the texts, and the day is kept without a time of day.
    """

    __tablename__ = "questionnaire_answer"
    __table_args__ = tuple(
        sa.CheckConstraint(f"{column} BETWEEN 1 AND 5", name=f"{column}_range")
        for column in ("score_1", "score_2", "score_3")
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    audience: QuestionnaireAudience = Field(sa_type=enum_type(QuestionnaireAudience))
    answered_on: date = Field(index=True)
    score_1: int
    score_2: int
    score_3: int
    open_answer: str | None = _secret()
    open_answer_purged_at: datetime | None = _ts(nullable=True)


# --- mail and audit --------------------------------------------------------------------


class OutboxMail(SQLModel, table=True):
    """A mail waiting to be sent, written in the same transaction as its cause."""

    __tablename__ = "outbox_mail"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=60, index=True)
    recipient: str | None = _secret()
    subject: str | None = _secret()
    body_text: str | None = _secret()
    body_html: str | None = _secret()
    # The whole mail as sent (RFC 5322, 7-bit), rendered once: when queued, or when the
    # sender writes its text; blanked with the fields above.
    message: str | None = _secret()
    status: MailStatus = Field(
        default=MailStatus.PENDING, sa_type=enum_type(MailStatus), index=True
    )
    attempts: int = 0
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    claimed_at: datetime | None = _ts(nullable=True)
    last_error: str | None = _secret()  # SMTP replies may quote the recipient
    oproep_id: uuid.UUID | None = _fk("oproep.id", "SET NULL")
    dispatch_id: uuid.UUID | None = _fk("dispatch.id", "SET NULL")
    created_at: datetime = _created()
    sent_at: datetime | None = _ts(nullable=True)


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, and when; never the data itself."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor_user_id: uuid.UUID | None = _fk("user_account.id", "SET NULL")
    action: AuditAction = Field(sa_type=enum_type(AuditAction))
    record_type: str = Field(max_length=40)
    record_id: str | None = Field(default=None, max_length=64)
    outcome: str = Field(default="ok", max_length=20)
    detail: str | None = Field(default=None, max_length=200)


# --- scheduler -------------------------------------------------------------------------


class JobRunStatus(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    # Its worker lost the lease while it ran (killed, or hung): it can never finish.
    INTERRUPTED = "interrupted"


class JobRun(SQLModel, table=True):
    """One run of a periodic job: when, by which worker, and how it ended (no data)."""

    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True)
    job_name: str = Field(max_length=60, index=True)
    worker: str = Field(max_length=120)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = _ts(nullable=True)
    status: JobRunStatus = Field(default=JobRunStatus.RUNNING, sa_type=enum_type(JobRunStatus))
    error: str | None = Field(default=None, max_length=200)  # exception type only


class WorkerLease(SQLModel, table=True):
    """Which worker process may run the jobs; others wait until the lease expires."""

    __tablename__ = "worker_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
