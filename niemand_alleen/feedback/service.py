"""Questionnaires for the evaluation: invite by mail, check a link, store an answer.

A good neighbour is asked ``MATCH_FOLLOWUP_DAYS`` after their oproep was matched, an
organisation as soon as an oproep it received has closed; each once (one invitation per
match or dispatch, and the outbox's idempotency key). The link carries a random token of
which only a keyed hash is stored; it works once, until it expires.

The answer is stored without a link to the invitation, the oproep or a person: the
evaluation needs the figures and the texts, not who said what. Services flush and never
commit: the job or the request commits once.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from niemand_alleen import distribution, signup
from niemand_alleen.config import Settings
from niemand_alleen.crypto import lookup_hash
from niemand_alleen.feedback.questions import AudienceFigures, audience_figures
from niemand_alleen.mail import queue_mail, render_mail
from niemand_alleen.models import (
    LOCAL_TIMEZONE,
    Dispatch,
    DispatchStatus,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    Organisation,
    QuestionnaireAnswer,
    QuestionnaireAudience,
    QuestionnaireInvitation,
    Volunteer,
    VolunteerStatus,
)

NEIGHBOUR_KIND = "questionnaire_neighbour"
ORGANISATION_KIND = "questionnaire_organisation"
# Longer input is not a token of ours; refuse it before any work.
MAX_TOKEN_LENGTH = 200
_HASH_PREFIX = "questionnaire-token:"


def token_hash(token: str) -> str:
    """The keyed hash stored for a link's token (the token itself is only in the mail)."""
    return lookup_hash(_HASH_PREFIX + token)


def questionnaire_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/vragenlijst/{token}"


def _new_invitation(
    session: Session,
    settings: Settings,
    audience: QuestionnaireAudience,
    oproep_id: uuid.UUID,
    now: datetime,
    *,
    match_id: uuid.UUID | None = None,
    dispatch_id: uuid.UUID | None = None,
) -> tuple[QuestionnaireInvitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = QuestionnaireInvitation(
        audience=audience,
        oproep_id=oproep_id,
        match_id=match_id,
        dispatch_id=dispatch_id,
        token_hash=token_hash(token),
        sent_at=now,
        expires_at=now + timedelta(days=settings.questionnaire_valid_days),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def _wijk_name(session: Session, oproep: Oproep) -> str | None:
    return distribution.wijk_names(session).get(oproep.wijk_code) if oproep.wijk_code else None


def _invited(column: Any) -> Any:
    """The ids of matches or dispatches that already have an invitation."""
    return select(column).where(column.is_not(None))


def invite_neighbours(session: Session, settings: Settings, now: datetime) -> int:
    """Mail a questionnaire to each confirmed good neighbour of an oproep matched at least
    ``match_followup_days`` ago (and no longer ago than that plus a link's life), once per
    match; withdrawn or purged sign-ups are skipped."""
    cutoff = now - timedelta(days=settings.match_followup_days)
    # A match older than the six weeks and a link's life together is not asked any more:
    # a first run does not mail every match of the past years.
    too_old = cutoff - timedelta(days=settings.questionnaire_valid_days)
    rows = session.exec(
        select(Match, Volunteer, Oproep)
        .join(Volunteer, col(Volunteer.id) == col(Match.volunteer_id))
        .join(Oproep, col(Oproep.id) == col(Match.oproep_id))
        .where(
            Match.status == MatchStatus.CONFIRMED,
            Oproep.status == OproepStatus.MATCHED,
            col(Oproep.matched_at) <= cutoff,
            col(Oproep.matched_at) > too_old,
            Volunteer.status == VolunteerStatus.CONFIRMED,
            col(Volunteer.purged_at).is_(None),
            col(Match.id).not_in(_invited(col(QuestionnaireInvitation.match_id))),
        )
        .order_by(col(Match.created_at), col(Match.id))
    ).all()
    for match, volunteer, oproep in rows:
        invitation, token = _new_invitation(
            session,
            settings,
            QuestionnaireAudience.NEIGHBOUR,
            oproep.id,
            now,
            match_id=match.id,
        )
        queue_mail(
            session,
            idempotency_key=f"{NEIGHBOUR_KIND}:{match.id}",
            kind=NEIGHBOUR_KIND,
            recipient=volunteer.email,
            mail=render_mail(
                NEIGHBOUR_KIND,
                locale=volunteer.locale,
                first_name=volunteer.first_name,
                wijk_name=_wijk_name(session, oproep),
                weeks=settings.match_followup_days // 7,
                questionnaire_url=questionnaire_url(settings, token),
                expires_at=invitation.expires_at,
                withdraw_url=signup.withdraw_url(
                    settings.public_base_url, settings.secret_key, volunteer.id
                ),
                privacy_url=f"{settings.public_base_url}/privacy",
            ),
            oproep_id=oproep.id,
        )
    session.flush()
    return len(rows)


def invite_organisations(session: Session, settings: Settings, now: datetime) -> int:
    """Mail a questionnaire to each organisation that received an oproep which has closed
    (closed or matched, not cancelled) within a link's life, once per dispatch; inactive and
    unsubscribed
    organisations are skipped. Every address of the organisation gets the same link."""
    rows = session.exec(
        select(Dispatch, Organisation, Oproep)
        .join(Organisation, col(Organisation.id) == col(Dispatch.organisation_id))
        .join(Oproep, col(Oproep.id) == col(Dispatch.oproep_id))
        .where(
            Dispatch.status == DispatchStatus.SENT,
            col(Oproep.status).in_([OproepStatus.CLOSED, OproepStatus.MATCHED]),
            col(Oproep.closed_at).is_not(None),
            col(Oproep.closed_at) <= now,
            col(Oproep.closed_at) > now - timedelta(days=settings.questionnaire_valid_days),
            col(Organisation.active).is_(True),
            col(Organisation.unsubscribed_at).is_(None),
            col(Dispatch.id).not_in(_invited(col(QuestionnaireInvitation.dispatch_id))),
        )
        .order_by(col(Dispatch.created_at), col(Dispatch.id))
    ).all()
    for dispatch, organisation, oproep in rows:
        invitation, token = _new_invitation(
            session,
            settings,
            QuestionnaireAudience.ORGANISATION,
            oproep.id,
            now,
            dispatch_id=dispatch.id,
        )
        mail = render_mail(
            ORGANISATION_KIND,
            **distribution.organisation_mail_context(session, settings, oproep, organisation),
            questionnaire_url=questionnaire_url(settings, token),
            expires_at=invitation.expires_at,
        )
        distribution.queue_to_organisation(
            session,
            dispatch,
            distribution.contact_addresses(organisation),
            mail,
            kind=ORGANISATION_KIND,
        )
    session.flush()
    return len(rows)


@dataclass(frozen=True)
class Invited:
    neighbours: int
    organisations: int


def send_questionnaires(session: Session, settings: Settings, now: datetime) -> Invited:
    """The job's work: invite whoever is due; idempotent (a second run finds nobody)."""
    return Invited(
        neighbours=invite_neighbours(session, settings, now),
        organisations=invite_organisations(session, settings, now),
    )


# --- the public link ---------------------------------------------------------------------


def invitation_for_token(
    session: Session, token: str, now: datetime
) -> QuestionnaireInvitation | None:
    """The open invitation of a link; ``None`` when the token is unknown, already used or
    expired (the page says the same for each)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    invitation = session.exec(
        select(QuestionnaireInvitation).where(
            QuestionnaireInvitation.token_hash == token_hash(token)
        )
    ).first()
    if invitation is None or invitation.answered_at is not None or invitation.expires_at <= now:
        return None
    return invitation


@dataclass(frozen=True)
class Answers:
    scores: tuple[int, int, int]
    open_answer: str | None


def record_answer(
    session: Session, invitation: QuestionnaireInvitation, answers: Answers, now: datetime
) -> bool:
    """Store the answers once: False (nothing stored) when the link was used meanwhile.

    The invitation is marked answered by one conditional UPDATE, so two submits at the same
    moment store one answer on either database."""
    result = session.execute(
        sa.update(QuestionnaireInvitation)
        .where(
            col(QuestionnaireInvitation.id) == invitation.id,
            col(QuestionnaireInvitation.answered_at).is_(None),
            col(QuestionnaireInvitation.expires_at) > now,
        )
        .values(answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return False
    session.add(
        QuestionnaireAnswer(
            audience=invitation.audience,
            answered_on=now.astimezone(LOCAL_TIMEZONE).date(),
            score_1=answers.scores[0],
            score_2=answers.scores[1],
            score_3=answers.scores[2],
            open_answer=answers.open_answer or None,
        )
    )
    session.flush()
    return True


# --- the evaluation ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenAnswer:
    audience: QuestionnaireAudience
    answered_on: date
    text: str


@dataclass(frozen=True)
class QuestionnaireResults:
    neighbours: AudienceFigures
    organisations: AudienceFigures
    open_answers: tuple[OpenAnswer, ...]  # newest first
    invited: dict[QuestionnaireAudience, int]


def questionnaire_results(session: Session) -> QuestionnaireResults:
    """The figures per audience and question, and the open answers still kept."""
    scores: dict[QuestionnaireAudience, list[tuple[int, int, int]]] = {
        audience: [] for audience in QuestionnaireAudience
    }
    for audience, first, second, third in session.exec(
        select(
            QuestionnaireAnswer.audience,
            QuestionnaireAnswer.score_1,
            QuestionnaireAnswer.score_2,
            QuestionnaireAnswer.score_3,
        )
    ):
        scores[QuestionnaireAudience(audience)].append((first, second, third))
    texts = session.exec(
        select(QuestionnaireAnswer)
        .where(col(QuestionnaireAnswer.open_answer).is_not(None))
        .order_by(col(QuestionnaireAnswer.answered_on).desc(), col(QuestionnaireAnswer.id))
    ).all()
    invited = dict(
        session.exec(
            select(QuestionnaireInvitation.audience, sa.func.count()).group_by(
                QuestionnaireInvitation.audience
            )
        ).all()
    )
    return QuestionnaireResults(
        neighbours=audience_figures(
            QuestionnaireAudience.NEIGHBOUR, scores[QuestionnaireAudience.NEIGHBOUR]
        ),
        organisations=audience_figures(
            QuestionnaireAudience.ORGANISATION, scores[QuestionnaireAudience.ORGANISATION]
        ),
        open_answers=tuple(
            OpenAnswer(audience=row.audience, answered_on=row.answered_on, text=row.open_answer)
            for row in texts
            if row.open_answer
        ),
        invited={audience: int(invited.get(audience, 0)) for audience in QuestionnaireAudience},
    )
