"""Validation of personal input shared by the staff and public forms; no Flask here.

Every function returns the normalised value or raises ``InvalidInput`` with a Dutch message
(plain language) that forms show next to the field; the checks of the public sign-up form
give it in the language of the page (``niemand_alleen.text``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from email_validator import EmailNotValidError, validate_email

from niemand_alleen.geo import HouseNumberError, PostcodeError
from niemand_alleen.text import _


class InvalidInput(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# What a field check raises, each with its Dutch ``.message`` for the person who typed it.
FIELD_ERRORS = (InvalidInput, PostcodeError, HouseNumberError)


NAME_MAX_LENGTH = 100
# Letters (any script, with accents), joined by single spaces, apostrophes, hyphens or dots:
# "Özdemir", "N'Diaye", "van der Berg-de Vries", "J.P."
_NAME_RE = re.compile(r"[^\W\d_]+(?:(?:[ '’\-]|\. ?)[^\W\d_]+)*\.?")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]")


def no_line_breaks(value: str, message: str) -> None:
    """Refuse line breaks: values may end up in mail headers (header injection)."""
    if _LINE_BREAKS.search(value):
        raise InvalidInput(message)


def person_name(raw: str | None, *, label: str) -> str:
    """A first name or surname; ``label`` is the Dutch field name in lower case."""
    value = unicodedata.normalize("NFC", " ".join((raw or "").split()))
    no_line_breaks(raw or "", _("Een %(label)s kan geen regelovergang bevatten.", label=label))
    if not value:
        raise InvalidInput(_("Vul de %(label)s in.", label=label))
    if len(value) > NAME_MAX_LENGTH:
        raise InvalidInput(
            _(
                "Een %(label)s is hoogstens %(length)s tekens lang.",
                label=label,
                length=NAME_MAX_LENGTH,
            )
        )
    if not _NAME_RE.fullmatch(value):
        raise InvalidInput(
            _(
                "Een %(label)s bestaat uit letters, eventueel met spaties, streepjes of "
                "apostroffen.",
                label=label,
            )
        )
    return value


def phone_number(raw: str | None) -> str:
    """A Dutch (or international) phone number in any common notation, stored as E.164."""
    value = (raw or "").strip()
    if not value:
        raise InvalidInput(_("Vul een telefoonnummer in."))
    if len(value) > 30:
        raise InvalidInput(_("Dit telefoonnummer is te lang."))
    # phonenumbers would read letters as a keypad ("0800-BLOEMEN"); people do not mean that.
    if not re.fullmatch(r"[0-9+()\-./ \u00a0]+", value):
        raise InvalidInput(
            _("Een telefoonnummer bestaat alleen uit cijfers, bijvoorbeeld 06 12345678.")
        )
    import phonenumbers  # on the first number, not in every web worker at start

    try:
        parsed = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(
            _("Vul een geldig telefoonnummer in, bijvoorbeeld 06 12345678 of 078 1234567.")
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """How a stored number is shown, the way people in the Netherlands write it: mobile
    "06 1234 5678", regional "078 123 45 67" or "0111 12 34 56"; other Dutch numbers in
    the national notation, foreign ones in the international one."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164, "NL")
    except phonenumbers.NumberParseException:
        return e164
    if parsed.country_code != 31:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    digits = phonenumbers.national_significant_number(parsed)
    area = phonenumbers.length_of_geographical_area_code(parsed)
    if len(digits) == 9 and digits.startswith("6"):
        return f"0{digits[0]} {digits[1:5]} {digits[5:]}"
    if len(digits) == 9 and area == 2:
        return f"0{digits[:2]} {digits[2:5]} {digits[5:7]} {digits[7:]}"
    if len(digits) == 9 and area == 3:
        return f"0{digits[:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def email_address(raw: str | None, *, required: bool = True) -> str | None:
    value = (raw or "").strip()
    no_line_breaks(raw or "", _("Een e-mailadres kan geen regelovergang bevatten."))
    if not value:
        if required:
            raise InvalidInput(_("Vul een e-mailadres in."))
        return None
    if len(value) > 254:
        raise InvalidInput(_("Dit e-mailadres is te lang."))
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidInput(
            _("Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.")
        ) from None


_DATE_FORMATS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    re.compile(r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"),
)


# Every date the service deals with (births, consents, deadlines, filters) lies in here;
# outside it a date is a typing error, and near year 1 or 9999 date arithmetic overflows.
FIRST_YEAR = 1900
LAST_YEAR = 2100


def parse_date(raw: str | None, *, label: str) -> date:
    """A date typed as 12-03-1941 / 12/3/1941 or sent as 1941-03-12 by a date input, in
    the years ``FIRST_YEAR`` to ``LAST_YEAR``."""
    parsed = _calendar_date(raw, label=label)
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise InvalidInput(
            f"Kijk het jaar van de {label} na: het ligt tussen {FIRST_YEAR} en {LAST_YEAR}."
        )
    return parsed


def _calendar_date(raw: str | None, *, label: str) -> date:
    value = (raw or "").strip()
    if not value:
        raise InvalidInput(f"Vul de {label} in.")
    for pattern in _DATE_FORMATS:
        match = pattern.fullmatch(value)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
    raise InvalidInput(f"Vul de {label} in als dag-maand-jaar, bijvoorbeeld 12-03-1941.")


def period_end(raw: str | None, start: date | None) -> date | None:
    """The optional end of a period filter ("tot en met"), not before its optional start."""
    end = optional_date(raw)
    if end and start and end < start:
        raise InvalidInput("De einddatum ligt vóór de begindatum.")
    return end


def optional_date(raw: str | None) -> date | None:
    """An optional date of a filter: empty means no limit."""
    return parse_date(raw, label="datum") if (raw or "").strip() else None


def birth_date(raw: str | None, *, today: date) -> date:
    value = _calendar_date(raw, label="geboortedatum")
    if value > today:
        raise InvalidInput("Een geboortedatum kan niet in de toekomst liggen.")
    if value.year < 1900:
        raise InvalidInput("Een geboortedatum ligt na 1900. Kijk het jaar na.")
    return value


def free_text(raw: str | None, *, label: str, max_length: int, required: bool = False) -> str:
    """Multi-line text; kept as typed (it is shown escaped, never as HTML)."""
    value = (raw or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise InvalidInput(_("Vul %(label)s in.", label=label))
    if len(value) > max_length:
        raise InvalidInput(
            _(
                "Dit is te lang: hoogstens %(most)s tekens. Nu zijn het er %(now)s.",
                most=max_length,
                now=len(value),
            )
        )
    return value
