"""Plain data of the anonymiser: the resident's fields, findings and the result."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

MAX_SITUATIE_CHARS = 5000

Severity = Literal["blocking", "warning", "removed"]


class AnonymiserInputError(ValueError):
    """Input the anonymiser refuses; ``message`` is Dutch and safe to show to staff."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _nl_int(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class SituatieTooLongError(AnonymiserInputError):
    def __init__(self, length: int, limit: int = MAX_SITUATIE_CHARS) -> None:
        super().__init__(
            f"De tekst is te lang: {_nl_int(length)} tekens, het maximum is "
            f"{_nl_int(limit)} tekens. Maak de beschrijving korter.",
            "too_long",
        )
        self.length = length
        self.limit = limit


class AnonymiserCacheError(RuntimeError):
    """The deduce lookup cache is missing, unsafe or unreadable."""


@dataclass(frozen=True)
class ResidentFields:
    """The resident's own structured fields, as the anonymiser needs them.

    ``postcode`` may be given in any notation ("3328AB", "3328 ab"); ``phone`` in E.164 or
    any national notation; ``house_number`` as entered ("12a", "12-2", "45 B").
    """

    first_name: str
    last_name: str
    street: str
    house_number: str
    postcode: str
    phone: str
    email: str | None
    birth_date: dt.date

    def __repr__(self) -> str:  # never echo personal data into logs or tracebacks
        return "ResidentFields(<redacted>)"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ResidentFields:
        """Build from the CLI/JSON shape (``voornaam``, ``achternaam``, ``straat``,
        ``huisnummer``, ``postcode``, ``telefoon``, ``email``, ``geboortedatum``).

        Raises :class:`AnonymiserInputError` with a Dutch message naming the field.
        """
        names = {
            "voornaam": "first_name",
            "achternaam": "last_name",
            "straat": "street",
            "huisnummer": "house_number",
            "postcode": "postcode",
            "telefoon": "phone",
        }
        values: dict[str, Any] = {}
        for key, attr in names.items():
            raw = data.get(key)
            if raw is None:
                raw = ""
            if not isinstance(raw, str | int):
                raise AnonymiserInputError(f"Veld '{key}' moet tekst zijn.", "field_type")
            values[attr] = str(raw).strip()
        if not values["first_name"] and not values["last_name"]:
            raise AnonymiserInputError("Voornaam of achternaam ontbreekt.", "missing_name")
        email = data.get("email")
        if email is not None and not isinstance(email, str):
            raise AnonymiserInputError("Veld 'email' moet tekst of leeg zijn.", "field_type")
        values["email"] = email.strip() if email and email.strip() else None
        raw_date = data.get("geboortedatum")
        if isinstance(raw_date, dt.date):
            values["birth_date"] = raw_date
        else:
            try:
                values["birth_date"] = dt.date.fromisoformat(str(raw_date or "").strip())
            except ValueError:
                raise AnonymiserInputError(
                    "Geboortedatum ontbreekt of is geen datum (JJJJ-MM-DD).", "birth_date"
                ) from None
        return cls(**values)


class Kind(enum.Enum):
    """What a span is, which decides how it is replaced."""

    NAME = "name"  # a person's name (resident or someone else: decided per group)
    STREET = "street"
    ADDRESS_PART = "address_part"  # postcode, house number
    AREA = "area"  # wijk / buurt / park / landmark
    PLACE = "place"  # town or village
    INSTITUTION = "institution"
    DATE = "date"
    BIRTH_DATE = "birth_date"
    AGE = "age"
    CONTACT = "contact"  # phone, e-mail, url, social-media handle
    IDENTIFIER = "identifier"  # bsn, iban, licence plate, other numbers


@dataclass(frozen=True)
class Span:
    """A stretch of text to replace. Holds offsets only, never the text itself."""

    start: int
    end: int
    kind: Kind
    category: str  # Dutch label shown to coordinators, e.g. "achternaam", "telefoonnummer"
    own: bool = False  # one of the resident's own fields (or a variant of one)


@dataclass(frozen=True)
class Finding:
    """Something found in a text: what (category) and where (offsets, sentence number).

    Deliberately carries no text, so it is safe to log. Offsets refer to the text as
    checked (after Unicode NFC normalisation and ``\\r\\n`` → ``\\n``).
    """

    severity: Severity
    category: str
    start: int
    end: int
    sentence: int  # 1-based
    own: bool = False

    def describe(self) -> str:
        """A Dutch message for the coordinator, without the value itself."""
        who = "van de bewoner " if self.own else ""
        return (
            f"{self.category.capitalize()} {who}gevonden in zin {self.sentence} "
            f"(teken {self.start + 1}–{self.end})."
        )


@dataclass(frozen=True)
class AnonymisedOproep:
    """The proposal: plain text (escape it when rendering), the PC4 and the wijk name."""

    text: str
    pc4: str | None
    wijk: str | None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.text


class Detector(Protocol):
    """What the approval-time check needs of a loaded anonymiser (the engine is one)."""

    def detect(self, fields: ResidentFields, text: str) -> list[Span]: ...

    def keeps_place(self, name: str) -> bool: ...
