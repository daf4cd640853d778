"""The pilot's evaluation: counts and durations per oproep, wijk and referring organisation.

Pure at its core: ``evaluate`` takes plain rows (ids, statuses, timestamps, wijk codes,
organisation names, decline codes) and returns dataclasses; no Flask, no session. The query
layer at the bottom (``load_rows``) reads only those non-personal columns, never a whole
row, so nothing personal is even decrypted: no names, contact data, addresses or texts, and
never ``Match.decline_reason`` (free text), only ``Match.decline_code``.

Withdrawn and purged sign-ups still count: their rows stay, with blanked personal fields.
A sign-up counts as confirmed when it was ever confirmed (``confirmed_at`` is kept).
Durations run from the aanmelding (``Oproep.created_at``; the resident's own row may have
been purged) and are given in days.
"""

from __future__ import annotations

import csv
import io
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from niemand_alleen.models import (
    LOCAL_TIMEZONE,
    DeclineCode,
    Dispatch,
    DispatchStatus,
    FollowupOutcome,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    Organisation,
    Volunteer,
)

LOCAL = LOCAL_TIMEZONE
NO_ORGANISATION = "Zonder organisatie"

# --- rows in -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OproepRow:
    id: uuid.UUID
    wijk_code: str | None
    status: OproepStatus
    places: int
    created_at: datetime  # the aanmelding
    approved_at: datetime | None = None
    sent_at: datetime | None = None
    closed_at: datetime | None = None
    matched_at: datetime | None = None
    followup_outcome: FollowupOutcome | None = None


@dataclass(frozen=True, slots=True)
class DispatchRow:
    id: uuid.UUID
    oproep_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    status: DispatchStatus


@dataclass(frozen=True, slots=True)
class SignupRow:
    id: uuid.UUID
    oproep_id: uuid.UUID | None  # None: signed up for the wijk in general
    dispatch_id: uuid.UUID | None
    wijk_code: str | None
    created_at: datetime
    confirmed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MatchRow:
    oproep_id: uuid.UUID
    volunteer_id: uuid.UUID | None
    status: MatchStatus
    decline_code: DeclineCode | None = None


@dataclass(frozen=True, slots=True)
class Rows:
    oproepen: Sequence[OproepRow] = ()
    dispatches: Sequence[DispatchRow] = ()
    signups: Sequence[SignupRow] = ()
    matches: Sequence[MatchRow] = ()


# --- results out -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Durations:
    """Days from the aanmelding to a step, over the oproepen that reached it."""

    count: int
    median: float | None
    shortest: float | None
    longest: float | None


@dataclass(frozen=True, slots=True)
class OrganisationCount:
    organisation_id: uuid.UUID | None  # None: sign-ups without a referral link
    name: str
    signups: int
    confirmed: int


@dataclass(frozen=True, slots=True)
class DeclineCount:
    code: DeclineCode | None  # None: declined without a recorded reason
    count: int


@dataclass(frozen=True, slots=True)
class OproepStats:
    oproep_id: uuid.UUID
    wijk_code: str | None
    status: OproepStatus
    places: int
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    closed_at: datetime | None
    matched_at: datetime | None
    organisations_chosen: int
    organisations_mailed: int
    signups: int
    confirmed_signups: int
    by_organisation: tuple[OrganisationCount, ...]
    proposals: int
    matches_confirmed: int
    matches_declined: int
    matches_unreachable: int
    declines: tuple[DeclineCount, ...]
    days_to_approval: float | None
    days_to_first_signup: float | None
    days_to_match: float | None
    followup_outcome: FollowupOutcome | None
    matches_withdrawn: int = 0  # the neighbour withdrew their sign-up: no refusal


@dataclass(frozen=True, slots=True)
class WijkStats:
    wijk_code: str | None
    oproepen: int
    matched_oproepen: int
    organisations_mailed: int  # distinct organisations mailed for oproepen in this wijk
    signups: int
    confirmed_signups: int
    general_signups: int  # for the wijk in general, not for an oproep
    matches_confirmed: int


@dataclass(frozen=True, slots=True)
class OrganisationStats:
    organisation_id: uuid.UUID | None
    name: str
    oproepen_mailed: int
    signups: int
    confirmed_signups: int
    matches_confirmed: int


@dataclass(frozen=True, slots=True)
class FollowupCounts:
    """Matched oproepen by the six-week check."""

    active: int
    ended: int
    unknown: int
    not_recorded: int


@dataclass(frozen=True, slots=True)
class Totals:
    oproepen: int
    matched_oproepen: int
    organisations_mailed: int  # distinct organisations
    dispatches_sent: int
    signups: int
    confirmed_signups: int
    general_signups: int
    proposals: int
    matches_confirmed: int
    matches_declined: int
    matches_unreachable: int
    matches_withdrawn: int = 0


@dataclass(frozen=True, slots=True)
class Evaluation:
    totals: Totals
    per_oproep: tuple[OproepStats, ...]
    per_wijk: tuple[WijkStats, ...]
    per_organisation: tuple[OrganisationStats, ...]
    to_approval: Durations
    to_first_signup: Durations
    to_match: Durations
    declines: tuple[DeclineCount, ...]
    followup: FollowupCounts


# --- aggregation -------------------------------------------------------------------------


def days_between(start: datetime, end: datetime | None) -> float | None:
    """Days from ``start`` to ``end``; never below zero (clocks of two processes, or data
    entered by hand, can put a step a moment before the one it follows)."""
    if end is None:
        return None
    return max(0.0, (end - start).total_seconds() / 86_400)


def durations(values: Iterable[float | None]) -> Durations:
    known = sorted(value for value in values if value is not None)
    if not known:
        return Durations(count=0, median=None, shortest=None, longest=None)
    return Durations(
        count=len(known),
        median=statistics.median(known),
        shortest=known[0],
        longest=known[-1],
    )


def _decline_counts(matches: Iterable[MatchRow]) -> tuple[DeclineCount, ...]:
    counted = Counter(m.decline_code for m in matches if m.status == MatchStatus.DECLINED)
    order: dict[DeclineCode | None, int] = {code: i for i, code in enumerate(DeclineCode)}
    return tuple(
        DeclineCount(code=code, count=count)
        for code, count in sorted(
            counted.items(), key=lambda item: (-item[1], order.get(item[0], len(order)))
        )
    )


def _status_count(matches: Iterable[MatchRow], status: MatchStatus) -> int:
    return sum(1 for m in matches if m.status == status)


def evaluate(rows: Rows) -> Evaluation:
    """Every count of the evaluation from the rows (already limited to a period, if any)."""
    dispatches = {d.id: d for d in rows.dispatches}
    general = [s for s in rows.signups if s.oproep_id is None]
    per_oproep = _per_oproep(rows, dispatches)
    matched = [o for o in rows.oproepen if o.matched_at is not None]
    outcomes = Counter(o.followup_outcome for o in matched)
    return Evaluation(
        totals=_totals(rows, per_oproep, general, matched),
        per_oproep=tuple(per_oproep),
        per_wijk=_per_wijk(rows, per_oproep, general),
        per_organisation=_per_organisation(rows, dispatches),
        to_approval=durations(s.days_to_approval for s in per_oproep),
        to_first_signup=durations(s.days_to_first_signup for s in per_oproep),
        to_match=durations(s.days_to_match for s in per_oproep),
        declines=_decline_counts(rows.matches),
        followup=FollowupCounts(
            active=outcomes[FollowupOutcome.ACTIVE],
            ended=outcomes[FollowupOutcome.ENDED],
            unknown=outcomes[FollowupOutcome.UNKNOWN],
            not_recorded=outcomes[None],
        ),
    )


def _organisation_of(
    dispatches: Mapping[uuid.UUID, DispatchRow], signup: SignupRow
) -> tuple[uuid.UUID | None, str]:
    """The organisation whose mail a sign-up came through (or none)."""
    dispatch = dispatches.get(signup.dispatch_id) if signup.dispatch_id else None
    if dispatch is None:
        return None, NO_ORGANISATION
    return dispatch.organisation_id, dispatch.organisation_name


def _per_oproep(rows: Rows, dispatches: Mapping[uuid.UUID, DispatchRow]) -> list[OproepStats]:
    """The counts of each oproep, oldest first."""
    dispatches_of: dict[uuid.UUID, list[DispatchRow]] = defaultdict(list)
    for dispatch in rows.dispatches:
        dispatches_of[dispatch.oproep_id].append(dispatch)
    signups_of: dict[uuid.UUID, list[SignupRow]] = defaultdict(list)
    for signup in rows.signups:
        if signup.oproep_id is not None:
            signups_of[signup.oproep_id].append(signup)
    matches_of: dict[uuid.UUID, list[MatchRow]] = defaultdict(list)
    for match in rows.matches:
        matches_of[match.oproep_id].append(match)
    return [
        _oproep_stats(
            oproep,
            signups_of.get(oproep.id, []),
            matches_of.get(oproep.id, []),
            dispatches_of.get(oproep.id, []),
            dispatches,
        )
        for oproep in sorted(rows.oproepen, key=lambda o: (o.created_at, o.id))
    ]


def _signups_by_organisation(
    sent: list[DispatchRow],
    signups: list[SignupRow],
    dispatches: Mapping[uuid.UUID, DispatchRow],
) -> tuple[OrganisationCount, ...]:
    """Sign-ups and confirmed ones per organisation an oproep went to (or came through)."""
    by_org: dict[tuple[uuid.UUID | None, str], list[int]] = {}
    for dispatch in sent:
        by_org.setdefault((dispatch.organisation_id, dispatch.organisation_name), [0, 0])
    for signup in signups:
        counts = by_org.setdefault(_organisation_of(dispatches, signup), [0, 0])
        counts[0] += 1
        counts[1] += signup.confirmed_at is not None
    return tuple(
        OrganisationCount(organisation_id=key[0], name=key[1], signups=n, confirmed=c)
        for key, (n, c) in sorted(
            by_org.items(), key=lambda item: (item[0][0] is None, item[0][1].casefold())
        )
    )


def _oproep_stats(
    oproep: OproepRow,
    signups: list[SignupRow],
    matches: list[MatchRow],
    sent: list[DispatchRow],
    dispatches: Mapping[uuid.UUID, DispatchRow],
) -> OproepStats:
    first = min((s.created_at for s in signups), default=None)
    return OproepStats(
        oproep_id=oproep.id,
        wijk_code=oproep.wijk_code,
        status=oproep.status,
        places=oproep.places,
        created_at=oproep.created_at,
        approved_at=oproep.approved_at,
        sent_at=oproep.sent_at,
        closed_at=oproep.closed_at,
        matched_at=oproep.matched_at,
        organisations_chosen=len(sent),
        organisations_mailed=sum(1 for d in sent if d.status == DispatchStatus.SENT),
        signups=len(signups),
        confirmed_signups=sum(1 for s in signups if s.confirmed_at is not None),
        by_organisation=_signups_by_organisation(sent, signups, dispatches),
        proposals=len(matches),
        matches_confirmed=_status_count(matches, MatchStatus.CONFIRMED),
        matches_declined=_status_count(matches, MatchStatus.DECLINED),
        matches_unreachable=_status_count(matches, MatchStatus.UNREACHABLE),
        matches_withdrawn=_status_count(matches, MatchStatus.WITHDRAWN),
        declines=_decline_counts(matches),
        days_to_approval=days_between(oproep.created_at, oproep.approved_at),
        days_to_first_signup=days_between(oproep.created_at, first),
        days_to_match=days_between(oproep.created_at, oproep.matched_at),
        followup_outcome=oproep.followup_outcome,
    )


def _per_wijk(
    rows: Rows, per_oproep: list[OproepStats], general: list[SignupRow]
) -> tuple[WijkStats, ...]:
    """The counts per wijk (of the oproep or of a general sign-up); no wijk last."""
    wijk_codes = {o.wijk_code for o in rows.oproepen} | {s.wijk_code for s in general}
    per_wijk = []
    for code in sorted(wijk_codes, key=lambda c: (c is None, c or "")):
        stats = [s for s in per_oproep if s.wijk_code == code]
        ids = {s.oproep_id for s in stats}
        per_wijk.append(
            WijkStats(
                wijk_code=code,
                oproepen=len(stats),
                matched_oproepen=sum(1 for s in stats if s.matched_at is not None),
                organisations_mailed=len(
                    {
                        d.organisation_id
                        for d in rows.dispatches
                        if d.oproep_id in ids and d.status == DispatchStatus.SENT
                    }
                ),
                signups=sum(s.signups for s in stats),
                confirmed_signups=sum(s.confirmed_signups for s in stats),
                general_signups=sum(1 for s in general if s.wijk_code == code),
                matches_confirmed=sum(s.matches_confirmed for s in stats),
            )
        )
    return tuple(per_wijk)


def _per_organisation(
    rows: Rows, dispatches: Mapping[uuid.UUID, DispatchRow]
) -> tuple[OrganisationStats, ...]:
    """What each organisation's mails brought: oproepen, sign-ups, confirmed matches."""
    confirmed_volunteers = {
        m.volunteer_id for m in rows.matches if m.status == MatchStatus.CONFIRMED
    }
    org_names: dict[uuid.UUID | None, str] = {}
    org_oproepen: Counter[uuid.UUID | None] = Counter()
    org_signups: Counter[uuid.UUID | None] = Counter()
    org_confirmed: Counter[uuid.UUID | None] = Counter()
    org_matches: Counter[uuid.UUID | None] = Counter()
    for dispatch in rows.dispatches:
        org_names[dispatch.organisation_id] = dispatch.organisation_name
        org_oproepen[dispatch.organisation_id] += 1
    for signup in rows.signups:
        if signup.oproep_id is None:
            continue  # a general sign-up came through no organisation's oproep
        org_id, name = _organisation_of(dispatches, signup)
        org_names.setdefault(org_id, name)
        org_signups[org_id] += 1
        org_confirmed[org_id] += signup.confirmed_at is not None
        org_matches[org_id] += signup.id in confirmed_volunteers
    return tuple(
        OrganisationStats(
            organisation_id=org_id,
            name=name,
            oproepen_mailed=org_oproepen[org_id],
            signups=org_signups[org_id],
            confirmed_signups=org_confirmed[org_id],
            matches_confirmed=org_matches[org_id],
        )
        for org_id, name in sorted(
            org_names.items(), key=lambda item: (item[0] is None, item[1].casefold())
        )
    )


def _totals(
    rows: Rows, per_oproep: list[OproepStats], general: list[SignupRow], matched: list[OproepRow]
) -> Totals:
    return Totals(
        oproepen=len(rows.oproepen),
        matched_oproepen=len(matched),
        organisations_mailed=len(
            {d.organisation_id for d in rows.dispatches if d.status == DispatchStatus.SENT}
        ),
        dispatches_sent=sum(1 for d in rows.dispatches if d.status == DispatchStatus.SENT),
        signups=sum(s.signups for s in per_oproep),
        confirmed_signups=sum(s.confirmed_signups for s in per_oproep),
        general_signups=len(general),
        proposals=len(rows.matches),
        matches_confirmed=_status_count(rows.matches, MatchStatus.CONFIRMED),
        matches_declined=_status_count(rows.matches, MatchStatus.DECLINED),
        matches_unreachable=_status_count(rows.matches, MatchStatus.UNREACHABLE),
        matches_withdrawn=_status_count(rows.matches, MatchStatus.WITHDRAWN),
    )


# --- words and numbers in Dutch ----------------------------------------------------------

NO_DECLINE_CODE = "Geen reden vastgelegd"
FOLLOWUP_LABELS = {
    FollowupOutcome.ACTIVE: "actief",
    FollowupOutcome.ENDED: "gestopt",
    FollowupOutcome.UNKNOWN: "onbekend",
}


def decline_label(code: DeclineCode | None, labels: Mapping[DeclineCode, str]) -> str:
    return NO_DECLINE_CODE if code is None else labels.get(code, code.value)


def number_nl(value: float, decimals: int = 1) -> str:
    """``2.5`` → ``2,5``; whole numbers without decimals (``3``)."""
    rounded = round(value, decimals)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.{decimals}f}".replace(".", ",")


def days_nl(value: float | None) -> str:
    if value is None:
        return "—"
    text = number_nl(value)
    return f"{text} dag" if text == "1" else f"{text} dagen"


def local_date(value: datetime | None) -> date | None:
    return value.astimezone(LOCAL).date() if value is not None else None


# --- CSV ---------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "oproep",
    "wijkcode",
    "wijk",
    "status",
    "aangemeld_op",
    "goedgekeurd_op",
    "verstuurd_op",
    "gesloten_op",
    "gekoppeld_op",
    "plaatsen",
    "organisaties_gekozen",
    "organisaties_gemaild",
    "aanmeldingen",
    "aanmeldingen_bevestigd",
    "aanmeldingen_per_organisatie",
    "dagen_tot_goedkeuring",
    "dagen_tot_eerste_aanmelding",
    "dagen_tot_koppeling",
    "voorstellen",
    "bevestigd",
    "afgewezen",
    "afgewezen_redenen",
    "niet_bereikbaar",
    "teruggetrokken",
    "nacontrole_zes_weken",
)


def spreadsheet_safe(value: str) -> str:
    """Spreadsheets run cells that start with these characters as formulas (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_days(value: float | None) -> str:
    return "" if value is None else number_nl(value, 2)


def _csv_date(value: datetime | None) -> str:
    day = local_date(value)
    return day.isoformat() if day else ""


def evaluation_csv(
    evaluation: Evaluation,
    *,
    wijk_names: Mapping[str, str],
    status_labels: Mapping[OproepStatus, str],
    decline_labels: Mapping[DeclineCode, str],
) -> str:
    """One row per oproep; UTF-8 text starting with a BOM, ``;`` between cells (Dutch Excel)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in evaluation.per_oproep:
        per_org = ", ".join(
            f"{entry.name}: {entry.signups} ({entry.confirmed} bevestigd)"
            for entry in row.by_organisation
        )
        reasons = ", ".join(
            f"{decline_label(entry.code, decline_labels)}: {entry.count}" for entry in row.declines
        )
        writer.writerow(
            [
                str(row.oproep_id),
                row.wijk_code or "",
                spreadsheet_safe(wijk_names.get(row.wijk_code or "", "")),
                status_labels[row.status],
                _csv_date(row.created_at),
                _csv_date(row.approved_at),
                _csv_date(row.sent_at),
                _csv_date(row.closed_at),
                _csv_date(row.matched_at),
                row.places,
                row.organisations_chosen,
                row.organisations_mailed,
                row.signups,
                row.confirmed_signups,
                spreadsheet_safe(per_org),
                _csv_days(row.days_to_approval),
                _csv_days(row.days_to_first_signup),
                _csv_days(row.days_to_match),
                row.proposals,
                row.matches_confirmed,
                row.matches_declined,
                spreadsheet_safe(reasons),
                row.matches_unreachable,
                row.matches_withdrawn,
                FOLLOWUP_LABELS[row.followup_outcome] if row.followup_outcome else "",
            ]
        )
    return buffer.getvalue()


# --- query layer: non-personal columns only ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """Oproepen whose aanmelding falls on these local dates (inclusive); open-ended if None."""

    start: date | None = None
    end: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        start = datetime.combine(self.start, time.min, tzinfo=LOCAL) if self.start else None
        end = (
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=LOCAL)
            if self.end
            else None
        )
        return start, end


def load_rows(session: Session, period: Period | None = None) -> Rows:
    """The rows for ``evaluate``: only ids, statuses, timestamps, wijk codes, organisation
    names and decline codes are selected (column by column, so nothing else is decrypted).

    With a period, the oproepen aangemeld in it and everything of those oproepen; general
    sign-ups (for a wijk, not an oproep) by their own sign-up date.
    """
    start, end = (period or Period()).bounds()
    oproep_query = sa.select(
        col(Oproep.id),
        col(Oproep.wijk_code),
        col(Oproep.status),
        col(Oproep.places),
        col(Oproep.created_at),
        col(Oproep.approved_at),
        col(Oproep.sent_at),
        col(Oproep.closed_at),
        col(Oproep.matched_at),
        col(Oproep.followup_outcome),
    )
    general_query = _signup_select().where(col(Volunteer.oproep_id).is_(None))
    if start is not None:
        oproep_query = oproep_query.where(col(Oproep.created_at) >= start)
        general_query = general_query.where(col(Volunteer.created_at) >= start)
    if end is not None:
        oproep_query = oproep_query.where(col(Oproep.created_at) < end)
        general_query = general_query.where(col(Volunteer.created_at) < end)
    oproepen = [OproepRow(*row) for row in session.execute(oproep_query)]
    general = [SignupRow(*row) for row in session.execute(general_query)]
    ids = [o.id for o in oproepen]
    if not ids:
        return Rows(signups=general)
    dispatch_query = (
        sa.select(
            col(Dispatch.id),
            col(Dispatch.oproep_id),
            col(Dispatch.organisation_id),
            col(Organisation.name),
            col(Dispatch.status),
        )
        .join(Organisation, col(Organisation.id) == col(Dispatch.organisation_id))
        .where(col(Dispatch.oproep_id).in_(ids))
    )
    match_query = sa.select(
        col(Match.oproep_id), col(Match.volunteer_id), col(Match.status), col(Match.decline_code)
    ).where(col(Match.oproep_id).in_(ids))
    signup_query = _signup_select().where(col(Volunteer.oproep_id).in_(ids))
    return Rows(
        oproepen=oproepen,
        dispatches=[DispatchRow(*row) for row in session.execute(dispatch_query)],
        signups=[SignupRow(*row) for row in session.execute(signup_query)] + general,
        matches=[MatchRow(*row) for row in session.execute(match_query)],
    )


def _signup_select() -> Any:
    return sa.select(
        col(Volunteer.id),
        col(Volunteer.oproep_id),
        col(Volunteer.dispatch_id),
        col(Volunteer.wijk_code),
        col(Volunteer.created_at),
        col(Volunteer.confirmed_at),
    )
