"""What an audit event's detail may say: short Dutch phrases, made only by the functions
here, with ids, counts, dates and the Dutch words for codes; never a personal value.

``record_audit`` takes an ``AuditDetail`` and nothing else, so a detail cannot be typed in
English somewhere in a feature (``tests/audit/test_audit_details.py`` also checks that no
other module builds one). Events written before this vocabulary existed carry English
text; ``shown_detail`` gives their Dutch phrase on the review page and in the export.
Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from niemand_alleen.dates import short_date
from niemand_alleen.models import FollowupOutcome, MailStatus, MatchStatus


@dataclass(frozen=True, slots=True)
class AuditDetail:
    """A detail from this vocabulary (build it with the functions below)."""

    text: str

    def __str__(self) -> str:
        return self.text


def _plural(count: int, one: str, more: str) -> str:
    return f"{count} {one if count == 1 else more}"


# --- oproepen ------------------------------------------------------------------------------

# The moves of ``lifecycle.Move`` by their stored value (the lifecycle test checks that
# every move is here).
MOVE_DETAILS: dict[str, str] = {
    "approve": "goedgekeurd",
    "send": "verstuurd",
    "close": "gesloten",
    "reopen": "weer geopend",
    "match": "gekoppeld",
    "cancel": "gestopt",
}


def oproep_moved(move: str) -> AuditDetail:
    """An oproep made a move of its lifecycle: "goedgekeurd", "gestopt", …"""
    return AuditDetail(MOVE_DETAILS[move])


def oproep_sent(organisations: int, *, more: bool = False) -> AuditDetail:
    """ "verstuurd naar 3 organisaties"; ``more``: an open oproep went to more of them."""
    lead = "ook verstuurd naar" if more else "verstuurd naar"
    return AuditDetail(f"{lead} {_plural(organisations, 'organisatie', 'organisaties')}")


def oproep_closed(proposals: int, confirmed_signups: int) -> AuditDetail:
    return AuditDetail(
        f"gesloten: {_plural(proposals, 'voorstel', 'voorstellen')}, "
        f"{_plural(confirmed_signups, 'bevestigde aanmelding', 'bevestigde aanmeldingen')}"
    )


def oproep_matched(confirmed: int) -> AuditDetail:
    return AuditDetail(
        f"gekoppeld met {_plural(confirmed, 'bevestigde goede buur', 'bevestigde goede buren')}"
    )


def organisations_reminded() -> AuditDetail:
    return AuditDetail("herinnering aan de organisaties verstuurd")


# --- proposals and the six-week check --------------------------------------------------------

MATCH_STATUS_WORDS: dict[MatchStatus, str] = {
    MatchStatus.PROPOSED: "voorgesteld",
    MatchStatus.APPROACHED: "benaderd",
    MatchStatus.CONFIRMED: "bevestigd",
    MatchStatus.DECLINED: "afgewezen",
    MatchStatus.UNREACHABLE: "niet bereikbaar",
    MatchStatus.WITHDRAWN: "buur heeft zich teruggetrokken",
}
FOLLOWUP_WORDS: dict[FollowupOutcome, str] = {
    FollowupOutcome.ACTIVE: "netwerk actief",
    FollowupOutcome.ENDED: "netwerk gestopt",
    FollowupOutcome.UNKNOWN: "niemand bereikt",
}
# ``matching``'s EarlyFollowupReason by value (its test checks that every reason is here).
EARLY_FOLLOWUP_WORDS: dict[str, str] = {
    "contacted": "bewoner of goede buur nam zelf contact op",
    "ended": "netwerk was al gestopt",
    "other": "andere reden",
}


def match_decided(status: MatchStatus, *, veto: bool = False) -> AuditDetail:
    """ "afgewezen"; with ``veto``: the resident does not want this neighbour again."""
    text = MATCH_STATUS_WORDS[MatchStatus(status)]
    return AuditDetail(text + (", bewoner wil deze buur niet meer" if veto else ""))


def followup_recorded(outcome: FollowupOutcome, early_reason: str | None = None) -> AuditDetail:
    text = f"nacontrole: {FOLLOWUP_WORDS[FollowupOutcome(outcome)]}"
    if early_reason is not None:
        text += f"; eerder vastgelegd: {EARLY_FOLLOWUP_WORDS[str(early_reason)]}"
    return AuditDetail(text)


def viewed_for_matching() -> AuditDetail:
    return AuditDetail("bekeken op de pagina koppelen")


# --- good neighbours, organisations, mail ------------------------------------------------------


def volunteer_confirmed() -> AuditDetail:
    return AuditDetail("e-mailadres bevestigd door de goede buur")


def volunteer_withdrew() -> AuditDetail:
    return AuditDetail("aanmelding ingetrokken door de goede buur")


UnsubscribeRoute = Literal["link", "bevestigingslink", "een-klik-link"]
UNSUBSCRIBE_WORDS: dict[str, str] = {
    "link": "afgemeld via de link in een mail",
    "bevestigingslink": "afgemeld via de bevestigingslink",
    "een-klik-link": "afgemeld met één klik in het mailprogramma",
}


def organisation_unsubscribed(route: UnsubscribeRoute) -> AuditDetail:
    return AuditDetail(UNSUBSCRIBE_WORDS[route])


def organisation_resubscribed() -> AuditDetail:
    return AuditDetail("weer aangemeld")


def organisation_imported() -> AuditDetail:
    return AuditDetail("via import (CSV)")


def switched_on(active: bool) -> AuditDetail:
    """An account or organisation set to active or not active."""
    return AuditDetail("aangezet" if active else "uitgezet")


MAIL_STATUS_WORDS: dict[MailStatus, str] = {
    MailStatus.PENDING: "in de wachtrij",
    MailStatus.SENDING: "wordt verstuurd",
    MailStatus.SENT: "verstuurd",
    MailStatus.FAILED: "mislukt",
    MailStatus.UNCERTAIN: "onzeker",
}


def mail_sent_again(previous: MailStatus) -> AuditDetail:
    return AuditDetail(f"opnieuw versturen (was {MAIL_STATUS_WORDS[MailStatus(previous)]})")


# --- staff accounts -----------------------------------------------------------------------------

SECOND_FACTOR_WORDS: dict[str, str] = {"totp": "app", "recovery": "herstelcode"}


def second_factor(method: str | None) -> AuditDetail:
    """The second step of a login, by app or recovery code; ``None``: the code was wrong."""
    if method is None:
        return AuditDetail("tweede stap")
    return AuditDetail(f"tweede stap ({SECOND_FACTOR_WORDS[method]})")


def second_factor_enrolled() -> AuditDetail:
    return AuditDetail("tweede stap ingesteld")


def second_factor_cleared() -> AuditDetail:
    return AuditDetail("tweede stap gewist")


def password_changed() -> AuditDetail:
    return AuditDetail("wachtwoord gewijzigd")


def wrong_current_password() -> AuditDetail:
    return AuditDetail("wachtwoord wijzigen: huidige wachtwoord klopt niet")


def password_reset_requested() -> AuditDetail:
    return AuditDetail("nieuw wachtwoord aangevraagd")


def password_reset() -> AuditDetail:
    return AuditDetail("nieuw wachtwoord ingesteld met de link")


def reset_link_refused() -> AuditDetail:
    return AuditDetail("link voor een nieuw wachtwoord geweigerd")


# --- privacy, retention, exports ---------------------------------------------------------------


def privacy_request() -> AuditDetail:
    return AuditDetail("privacyverzoek")


def retention_purge(rows: int, cutoff: datetime) -> AuditDetail:
    return AuditDetail(
        f"bewaartermijn voorbij: {_plural(rows, 'rij', 'rijen')} verwijderd "
        f"van vóór {short_date(cutoff, time=True)}"
    )


def export_period(start: date | None, end: date | None) -> AuditDetail | None:
    """The period of an export; ``None`` without one."""
    if start and end:
        return AuditDetail(f"periode {short_date(start)} tot en met {short_date(end)}")
    if start:
        return AuditDetail(f"periode vanaf {short_date(start)}")
    if end:
        return AuditDetail(f"periode tot en met {short_date(end)}")
    return None


# --- events written before this vocabulary ---------------------------------------------------

_EARLIER_WORDS: dict[str, AuditDetail] = {
    "approved": oproep_moved("approve"),
    "reopened": oproep_moved("reopen"),
    "cancelled": oproep_moved("cancel"),
    "organisations reminded": organisations_reminded(),
    "matching page": viewed_for_matching(),
    "second factor": second_factor(None),
    "second factor enrolled": second_factor_enrolled(),
    "second factor reset": second_factor_cleared(),
    "password changed": password_changed(),
    "password change: wrong current password": wrong_current_password(),
    "password reset requested": password_reset_requested(),
    "password reset": password_reset(),
    "password reset link refused": reset_link_refused(),
    "privacy request": privacy_request(),
    "import": organisation_imported(),
    "activeren": switched_on(True),
    "deactiveren": switched_on(False),
    **{f"afgemeld via {route}": AuditDetail(words) for route, words in UNSUBSCRIBE_WORDS.items()},
    **{move: oproep_moved(move) for move in MOVE_DETAILS},
}


def _earlier_period(match: re.Match[str]) -> AuditDetail | None:
    def day(text: str) -> date | None:
        return date.fromisoformat(text) if text != "…" else None

    return export_period(day(match["start"]), day(match["end"]))


def _earlier_followup(match: re.Match[str]) -> AuditDetail:
    return followup_recorded(FollowupOutcome(match["outcome"]), match["early"])


_Translate = Callable[[re.Match[str]], AuditDetail | None]
_EARLIER_PATTERNS: tuple[tuple[re.Pattern[str], _Translate], ...] = (
    (re.compile(r"sent to (?P<n>\d+) organisations"), lambda m: oproep_sent(int(m["n"]))),
    (
        re.compile(r"closed proposals=(?P<p>\d+) confirmed_signups=(?P<s>\d+)"),
        lambda m: oproep_closed(int(m["p"]), int(m["s"])),
    ),
    (re.compile(r"matched confirmed=(?P<n>\d+)"), lambda m: oproep_matched(int(m["n"]))),
    (
        re.compile(r"status=(?P<status>[a-z]+)(?P<veto> veto)?"),
        lambda m: match_decided(MatchStatus(m["status"]), veto=bool(m["veto"])),
    ),
    (re.compile(r"followup=(?P<outcome>[a-z]+)(?: early=(?P<early>[a-z]+))?"), _earlier_followup),
    (
        re.compile(r"second factor \((?P<method>totp|recovery)\)"),
        lambda m: second_factor(m["method"]),
    ),
    (
        re.compile(r"retention purge rows=(?P<n>\d+) cutoff=(?P<cutoff>\S+)"),
        lambda m: retention_purge(int(m["n"]), datetime.fromisoformat(m["cutoff"])),
    ),
    (
        re.compile(r"opnieuw versturen \(was (?P<status>[a-z]+)\)"),
        lambda m: mail_sent_again(MailStatus(m["status"])),
    ),
    (
        re.compile(r"periode (?P<start>\d{4}-\d{2}-\d{2}|…) t/m (?P<end>\d{4}-\d{2}-\d{2}|…)"),
        _earlier_period,
    ),
)


def shown_detail(stored: str | None) -> str:
    """A stored detail as the beheerder reads it: Dutch, also for events written before
    this vocabulary (their English phrases are translated; anything else as stored)."""
    if not stored:
        return ""
    known = _EARLIER_WORDS.get(stored)
    if known is not None:
        return known.text
    for pattern, translate in _EARLIER_PATTERNS:
        match = pattern.fullmatch(stored)
        if match is not None:
            try:
                detail = translate(match)
            except (KeyError, ValueError):  # an unknown code: show what was stored
                return stored
            return detail.text if detail is not None else stored
    return stored
