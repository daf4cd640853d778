"""Organisations as CSV for spreadsheets: export, and an all-or-nothing import.

Export: UTF-8 with BOM and ``;`` between cells, so Dutch Excel opens it as columns; cells
that a spreadsheet would run as a formula get an apostrophe in front (CSV injection).
Import: the same columns, ``;`` or ``,`` between cells (read from the header line), wijken
by code or by name. Every row is checked first; if any row is wrong, nothing is imported and
every wrong row is reported with its line number.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session

from niemand_alleen.audit import details
from niemand_alleen.dates import short_date
from niemand_alleen.geo import short_name
from niemand_alleen.models import Organisation
from niemand_alleen.organisations.service import (
    CleanOrganisation,
    KnownValues,
    OrganisationInput,
    OrganisationInvalid,
    all_organisations,
    contact_emails_of,
    create_organisation,
    known_values,
    name_key,
    organisation_wijken,
    set_organisation_active,
    update_organisation,
    validate_organisation,
)

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

COLUMNS = ("naam", "e-mailadressen", "wijken", "notitie", "actief", "afgemeld_op")
REQUIRED_COLUMNS = ("naam", "e-mailadressen", "wijken")
MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_YES = {"ja", "j", "1", "waar", "true", "yes", "y", "actief"}
_NO = {"nee", "n", "0", "onwaar", "false", "no", "niet actief", "inactief"}
_FIELD_LABELS = {
    "name": "naam",
    "contact_emails": "e-mailadressen",
    "wijken": "wijken",
    "note": "notitie",
    "active": "actief",
}


def spreadsheet_safe(value: str) -> str:
    """Spreadsheets run cells that start with these characters as formulas (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unprotect(value: str) -> str:
    """Undo ``spreadsheet_safe`` on import, so an exported file imports unchanged."""
    if value.startswith("'") and value[1:2] and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def export_csv(session: Session) -> str:
    """All organisations, by name; starts with a BOM (Excel then reads UTF-8)."""
    wijken = organisation_wijken(session)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for organisation in all_organisations(session):
        unsubscribed = short_date(organisation.unsubscribed_at)  # 4-12-2026, local
        writer.writerow(
            [
                spreadsheet_safe(organisation.name),
                spreadsheet_safe(", ".join(contact_emails_of(organisation))),
                ",".join(sorted(wijken.get(organisation.id, set()))),
                spreadsheet_safe(organisation.note or ""),
                "ja" if organisation.active else "nee",
                unsubscribed,
            ]
        )
    return buffer.getvalue()


# --- import ------------------------------------------------------------------------------


class ImportFileError(ValueError):
    """The file as a whole cannot be read (size, encoding, header); a Dutch message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    line: int
    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ImportRow:
    line: int
    clean: CleanOrganisation
    active: bool | None  # None: leave as it is (new organisations start active)
    existing_id: uuid.UUID | None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# Never in a text file; a NUL byte cannot even be stored by PostgreSQL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_upload(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            "Het bestand is te groot: hoogstens 1 MB. Splits het bestand in delen en importeer"
            " die een voor een."
        )
    if not data.strip():
        raise ImportFileError("Het bestand is leeg.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "Het bestand is niet in UTF-8 opgeslagen, dus letters als ë en é komen niet goed"
            " over. Kies in Excel bij 'Opslaan als' het type 'CSV UTF-8' en probeer het opnieuw."
        ) from None
    if CONTROL_CHARACTERS.search(text):
        raise ImportFileError(
            "Het bestand bevat onzichtbare tekens die in een tekstbestand niet horen. Is het"
            " echt een CSV-bestand? Sla het opnieuw op als 'CSV UTF-8' en probeer het opnieuw."
        )
    return text


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") >= header.count(",") else ","


def _wijk_lookup(wijken: Mapping[str, str]) -> dict[str, str]:
    """code → code, CBS name → code and short name → code, all case-insensitive."""
    lookup: dict[str, str] = {}
    for code, name in wijken.items():
        for key in (code, name, short_name(name)):
            lookup.setdefault(" ".join(key.split()).casefold(), code)
    return lookup


def _parse_active(raw: str) -> bool | None:
    value = raw.strip().casefold()
    if not value:
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(raw)


def plan_import(
    session: Session, data: bytes, wijken: Mapping[str, str]
) -> tuple[list[ImportRow], list[RowError]]:
    """Read and check every row; ``wijken`` maps every wijk code to its CBS name.

    Raises ``ImportFileError`` when the file as a whole is unusable.
    """
    text = decode_upload(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    columns = _read_header(reader)
    index = {name: columns.index(name) for name in COLUMNS if name in columns}
    errors: list[RowError] = []
    records = _read_records(reader, errors)
    lookup = _wijk_lookup(wijken)
    known = known_values(session)
    rows: list[ImportRow] = []
    names_seen: dict[str, int] = {}
    for start, cells in records:
        row, error = _check_row(
            session, start, cells, len(columns), index, lookup, known, names_seen
        )
        if error is not None:
            errors.append(error)
        elif row is not None:
            rows.append(row)
    if not rows and not errors:
        raise ImportFileError("Het bestand bevat geen organisaties, alleen de kolomnamen.")
    return rows, errors


def _read_header(reader: CsvReader) -> list[str]:
    """The column names of the first line (folded); it must name every required column."""
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportFileError("De eerste regel van het bestand kan niet gelezen worden.") from None
    columns = [cell.strip().lstrip("\ufeff").casefold() for cell in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            "De eerste regel moet de kolomnamen bevatten: "
            + ";".join(COLUMNS)
            + ". Deze ontbreken: "
            + ", ".join(missing)
            + "."
        )
    return columns


def _read_records(reader: CsvReader, errors: list[RowError]) -> list[tuple[int, list[str]]]:
    """Every non-empty record with its first line number, read before any checking so that
    a file with too many rows is refused at once; an unreadable line ends the reading."""
    records: list[tuple[int, list[str]]] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append(RowError(start, "", ("Deze regel kan niet gelezen worden.",)))
            break
        line = reader.line_num
        if any(cell.strip() for cell in cells):
            records.append((start, cells))
        if len(records) > MAX_IMPORT_ROWS:
            raise ImportFileError(
                f"Het bestand heeft meer dan {MAX_IMPORT_ROWS} organisaties. Splits het bestand"
                " in delen en importeer die een voor een."
            )
    return records


_TOO_MANY_COLUMNS = (
    "Deze regel heeft meer kolommen dan de kopregel. Staat er een ; of , in een"
    " naam of notitie zonder aanhalingstekens eromheen?"
)


def _check_row(
    session: Session,
    line: int,
    cells: Sequence[str],
    width: int,
    index: Mapping[str, int],
    lookup: Mapping[str, str],
    known: KnownValues,
    names_seen: dict[str, int],
) -> tuple[ImportRow | None, RowError | None]:
    def cell(name: str) -> str:
        position = index.get(name)
        if position is None or position >= len(cells):
            return ""
        return _unprotect(cells[position].strip())

    reasons: list[str] = []
    name = cell("naam")
    if any(extra.strip() for extra in cells[width:]):
        reasons.append(_TOO_MANY_COLUMNS)
    codes, unknown = _wijk_codes(cell("wijken"), lookup)
    try:
        active = _parse_active(cell("actief"))
    except ValueError:
        active = None
        reasons.append("Vul bij actief 'ja' of 'nee' in.")
    existing_id = known.names.get(name_key(name))
    clean: CleanOrganisation | None = None
    try:
        clean = validate_organisation(
            session,
            OrganisationInput(
                name=name,
                contact_emails=cell("e-mailadressen"),
                wijken=codes,
                note=cell("notitie"),
            ),
            existing_id=existing_id,
            known=known,
        )
    except OrganisationInvalid as invalid:
        reasons.extend(_invalid_reasons(invalid, wijken_reported=bool(unknown)))
    if unknown:
        reasons.append("wijken: deze wijk kennen we niet: " + ", ".join(unknown) + ".")
    if clean is not None:
        reasons.extend(_repeated_name(clean.name, line, names_seen))
    if reasons or clean is None:
        return None, RowError(line, name[:200], tuple(reasons))
    return ImportRow(line, clean, active, existing_id), None


def _wijk_codes(raw: str, lookup: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The wijk codes of a cell (codes or names, split by , or ;), and the unknown names."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in raw.replace(";", ",").split(","):
        key = " ".join(part.split()).casefold()
        if not key:
            continue
        code = lookup.get(key)
        if code is None:
            unknown.append(part.strip()[:60])
        else:
            codes.append(code)
    return codes, unknown


def _invalid_reasons(invalid: OrganisationInvalid, *, wijken_reported: bool) -> list[str]:
    """The validation's messages with the column's label (unknown wijken are reported
    separately, with the names as written)."""
    reasons: list[str] = []
    for field_name, messages in invalid.errors.items():
        if field_name == "wijken" and wijken_reported:
            continue
        label = _FIELD_LABELS.get(field_name, field_name)
        reasons.extend(f"{label}: {message}" for message in messages)
    return reasons


def _repeated_name(name: str, line: int, names_seen: dict[str, int]) -> list[str]:
    """A reason when an earlier line has the same organisation; else remembers this line."""
    key = name_key(name)
    if key in names_seen:
        return [f"naam: deze organisatie staat ook al op regel {names_seen[key]}."]
    names_seen[key] = line
    return []


def apply_import(
    session: Session, rows: Sequence[ImportRow], *, actor_user_id: uuid.UUID | None
) -> ImportResult:
    """Create or update every row (only call with rows from a plan without errors)."""
    result = ImportResult()
    for row in rows:
        organisation = session.get(Organisation, row.existing_id) if row.existing_id else None
        imported = details.organisation_imported()
        if organisation is None:
            organisation = create_organisation(
                session, row.clean, actor_user_id=actor_user_id, detail=imported
            )
            result.created += 1
        else:
            update_organisation(
                session, organisation, row.clean, actor_user_id=actor_user_id, detail=imported
            )
            result.updated += 1
        if row.active is not None and row.active != organisation.active:
            set_organisation_active(session, organisation, row.active, actor_user_id=actor_user_id)
    return result


def import_csv(
    session: Session,
    data: bytes,
    wijken: Mapping[str, str],
    *,
    actor_user_id: uuid.UUID | None,
) -> ImportResult:
    """All or nothing: with any bad row nothing changes and every bad row is returned."""
    rows, errors = plan_import(session, data, wijken)
    if errors:
        return ImportResult(errors=errors)
    return apply_import(session, rows, actor_user_id=actor_user_id)
