"""The data inventory documents every column of every table, truthfully (R1.1, R1.4).

``docs/privacy/data-inventory.md`` has one section per table: a ``## table_name`` heading
followed by a markdown table whose first column is ``column``. Other ``##`` sections (intro,
birth date) hold no such table and are ignored by the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

import niemand_alleen.models  # noqa: F401  (fills SQLModel.metadata)
from niemand_alleen.crypto import EncryptedText

INVENTORY = Path(__file__).resolve().parents[2] / "docs" / "privacy" / "data-inventory.md"
HEADER = ["column", "what it holds", "personal data?", "protection", "who sees it", "retention"]
PERSONAL_VALUES = {"no", "yes", "yes, special category"}
# What a non-encrypted column may claim: stored as is, or a (keyed) one-way hash.
UNENCRYPTED_PREFIXES = ("plain", "keyed hash", "hash")

HEADING = re.compile(r"^##\s+(?P<name>.+?)\s*$")
SEPARATOR = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+$")


@dataclass
class Row:
    line: int
    cells: dict[str, str]


@dataclass
class Section:
    name: str
    line: int
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [cell.strip() for cell in inner.split("|")]


def parse_inventory(text: str) -> tuple[dict[str, Section], list[str]]:
    """Table sections by name, and the problems found while parsing (duplicates, bad rows)."""
    sections: dict[str, Section] = {}
    problems: list[str] = []
    current: Section | None = None
    in_table = False  # inside the first table of the current heading
    seen_table = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        heading = HEADING.match(line)
        if heading:
            current = Section(heading["name"], number)
            in_table = seen_table = False
            continue
        if current is None:
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        if not in_table:
            if seen_table:
                continue  # only the first table after a heading is the column table
            in_table = seen_table = True
            header = _cells(line)
            if header[0] != "column":
                current = None  # some other table: not a column inventory
                continue
            current.header = header
            if current.name in sections:
                problems.append(
                    f"line {number}: second section for table {current.name!r} "
                    f"(first at line {sections[current.name].line})"
                )
            else:
                sections[current.name] = current
            continue
        if SEPARATOR.match(line.replace(" ", "")):
            continue
        cells = _cells(line)
        if len(cells) != len(current.header):
            problems.append(
                f"line {number}: table {current.name!r} row has {len(cells)} cells, "
                f"expected {len(current.header)}"
            )
            continue
        values = dict(zip(current.header, cells, strict=True))
        values["column"] = values["column"].strip("`")
        current.rows.append(Row(number, values))
    return sections, problems


def _inventory() -> tuple[dict[str, Section], list[str]]:
    assert INVENTORY.is_file(), f"{INVENTORY} is missing (R1.1)"
    return parse_inventory(INVENTORY.read_text(encoding="utf-8"))


SECTIONS, PARSE_PROBLEMS = _inventory()
TABLES: dict[str, sa.Table] = dict(SQLModel.metadata.tables)


def _section(table_name: str) -> Section:
    section = SECTIONS.get(table_name)
    if section is None:
        pytest.fail(
            f"table {table_name!r} has no section in {INVENTORY.name}: "
            f"add '## {table_name}' followed by a table of its columns"
        )
    return section


def _rows_by_column(section: Section) -> dict[str, Row]:
    return {row.cells["column"]: row for row in section.rows}


def test_inventory_parses_cleanly() -> None:
    assert not PARSE_PROBLEMS, "\n".join(PARSE_PROBLEMS)
    assert SECTIONS, f"no '## table' sections with a 'column' table found in {INVENTORY}"


def test_every_table_has_a_section() -> None:
    missing = sorted(set(TABLES) - set(SECTIONS))
    assert not missing, (
        f"tables without a section in {INVENTORY.name}: {', '.join(missing)} "
        "(add '## table_name' followed by a table of its columns)"
    )


def test_every_section_names_a_table() -> None:
    unknown = sorted(set(SECTIONS) - set(TABLES))
    assert not unknown, (
        f"{INVENTORY.name} documents tables that do not exist in SQLModel.metadata: "
        + ", ".join(f"{name!r} (line {SECTIONS[name].line})" for name in unknown)
    )


@pytest.mark.parametrize("table_name", sorted(TABLES))
def test_columns_match_the_schema(table_name: str) -> None:
    section = _section(table_name)
    assert section.header == HEADER, (
        f"table {table_name!r} (line {section.line}): header is {section.header}, expected {HEADER}"
    )
    documented = [row.cells["column"] for row in section.rows]
    duplicates = sorted({name for name in documented if documented.count(name) > 1})
    actual = {column.name for column in TABLES[table_name].columns}
    missing = sorted(actual - set(documented))
    unknown = sorted(set(documented) - actual)
    problems = []
    if missing:
        problems.append(f"columns without a row: {', '.join(missing)}")
    if unknown:
        problems.append(f"rows naming columns that do not exist: {', '.join(unknown)}")
    if duplicates:
        problems.append(f"columns documented twice: {', '.join(duplicates)}")
    assert not problems, f"table {table_name!r} in {INVENTORY.name}: " + "; ".join(problems)


@pytest.mark.parametrize("table_name", sorted(TABLES))
def test_rows_are_complete(table_name: str) -> None:
    problems = []
    for row in _section(table_name).rows:
        name = row.cells["column"]
        empty = [key for key, value in row.cells.items() if not value]
        if empty:
            problems.append(f"line {row.line} ({name}): empty {', '.join(empty)}")
        personal = row.cells["personal data?"]
        if personal not in PERSONAL_VALUES:
            problems.append(
                f"line {row.line} ({name}): 'personal data?' is {personal!r}, "
                f"expected one of {sorted(PERSONAL_VALUES)}"
            )
    assert not problems, f"table {table_name!r}:\n" + "\n".join(problems)


@pytest.mark.parametrize("table_name", sorted(TABLES))
def test_encryption_claims_match_the_column_types(table_name: str) -> None:
    rows = _rows_by_column(_section(table_name))
    problems = []
    for column in TABLES[table_name].columns:
        row = rows.get(column.name)
        if row is None:
            continue  # reported by test_columns_match_the_schema
        protection = row.cells["protection"].lower()
        encrypted_type = isinstance(column.type, EncryptedText)
        if encrypted_type and not protection.startswith("encrypted"):
            problems.append(
                f"line {row.line}: {column.name} is EncryptedText but documented as "
                f"{row.cells['protection']!r} (must start with 'encrypted')"
            )
        if not encrypted_type and protection.startswith("encrypted"):
            problems.append(
                f"line {row.line}: {column.name} is documented as encrypted but its type is "
                f"{type(column.type).__name__}, not EncryptedText"
            )
        if not encrypted_type and not protection.startswith(UNENCRYPTED_PREFIXES):
            problems.append(
                f"line {row.line}: {column.name} is not encrypted; its protection must start "
                f"with one of {UNENCRYPTED_PREFIXES}, not {row.cells['protection']!r}"
            )
    assert not problems, f"table {table_name!r}:\n" + "\n".join(problems)


def test_birth_date_is_minimised_or_justified() -> None:
    """R1.4: either the schema keeps only a birth year / age band, or the full date is justified."""
    columns = {column.name: column for column in TABLES["resident"].columns}
    if "birth_date" not in columns:
        assert {"birth_year", "age_band"} & set(columns), (
            "resident has neither birth_date nor birth_year/age_band: update this test and R1.4"
        )
        return
    assert isinstance(columns["birth_date"].type, EncryptedText), (
        "resident.birth_date holds the full date and must be EncryptedText"
    )
    text = INVENTORY.read_text(encoding="utf-8")
    match = re.search(r"^## Birth date \(R1\.4\)\s*$(?P<body>.*?)(?=^## )", text, re.M | re.S)
    assert match, f"{INVENTORY.name} stores a full birth date but has no '## Birth date (R1.4)'"
    body = match["body"]
    assert "birth_date" in body, "the R1.4 section must name the column it justifies"
    assert len(body.split()) >= 80, "the R1.4 justification is too short to be a justification"
