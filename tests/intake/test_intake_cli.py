"""niemand-alleen anonymise --jsonl: one answer per line, in order; bad lines do not stop it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlmodel import Session

from niemand_alleen import cli
from niemand_alleen.anonymiser import Anonymiser
from niemand_alleen.reference import import_shipped_reference

FIELDS = {
    "voornaam": "Hendrik",
    "achternaam": "de Groot",
    "straat": "Reeweg",
    "huisnummer": "88",
    "postcode": "3328 AB",
    "telefoon": "078-6123456",
    "email": None,
    "geboortedatum": "1938-07-21",
}


@pytest.fixture
def with_loaded_anonymiser(monkeypatch: pytest.MonkeyPatch, anonymiser: Anonymiser) -> None:
    # The session's anonymiser stands in for a second 1 GB load inside the command.
    monkeypatch.setattr(cli, "Anonymiser", lambda cache_dir: anonymiser)


def run(app: Flask, *args: str, stdin: str) -> Result:
    return app.test_cli_runner().invoke(cli.main, ["anonymise", *args], input=stdin)


def test_jsonl_stream(app: Flask, db_session: Session, with_loaded_anonymiser: None) -> None:
    import_shipped_reference(db_session)
    db_session.commit()
    lines = [
        json.dumps(
            {
                "id": "a",
                "fields": FIELDS,
                "situatie": "Meneer De Groot is weduwnaar en houdt van kaarten.",
            }
        ),
        "dit is geen json",
        json.dumps({"id": "c", "fields": FIELDS}),
        json.dumps({"id": "d", "fields": FIELDS, "situatie": "Hendrik wil graag wandelen."}),
    ]
    result = run(app, "--jsonl", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 1, "a failed line makes the exit status non-zero"
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [answer.get("id") for answer in answers] == ["a", None, "c", "d"]
    first = answers[0]
    assert (first["pc4"], first["wijk"]) == ("3328", "Sterrenburg")
    assert "Groot" not in first["oproep"]
    assert "kaarten" in first["oproep"]
    assert "geen geldige JSON" in answers[1]["error"]
    assert "situatie" in answers[2]["error"]
    assert "Hendrik" not in answers[3]["oproep"]
    assert "wandelen" in answers[3]["oproep"]


def test_jsonl_all_good_exits_zero(app: Flask, with_loaded_anonymiser: None) -> None:
    line = json.dumps({"id": 1, "fields": FIELDS, "situatie": "Houdt van vissen."})
    result = run(app, "--jsonl", stdin=line + "\n")
    assert result.exit_code == 0, result.output
    (answer,) = [json.loads(out) for out in result.stdout.splitlines()]
    assert answer["id"] == 1
    # No geography imported in this database: the shipped Dordrecht data answers.
    assert (answer["pc4"], answer["wijk"]) == ("3328", "Sterrenburg")


def test_needs_a_mode(app: Flask) -> None:
    result = run(app, stdin="")
    assert result.exit_code == 2
    assert "--jsonl" in result.output


def test_warmup_prepares_the_configured_cache(
    app: Flask, deduce_cache_dir: Path, anonymiser: Anonymiser
) -> None:
    # The session's anonymiser fixture has built the cache; warm-up finds and checks it.
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = settings.with_overrides(deduce_cache_dir=deduce_cache_dir)
    result = run(app, "--warmup", stdin="")
    assert result.exit_code == 0, result.output
    assert str(deduce_cache_dir) in result.output


@pytest.mark.slow  # a fresh process loads the de-identification library
def test_jsonl_works_in_an_empty_folder_without_a_database(
    tmp_path: Path, deduce_cache_dir: Path
) -> None:
    """A fresh install run from an empty folder: no migrated database, the shipped geography."""
    command = Path(sys.executable).parent / "niemand-alleen"
    line = json.dumps({"id": "x", "fields": FIELDS, "situatie": "Hendrik houdt van vissen."})
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DEDUCE_CACHE_DIR": str(deduce_cache_dir),  # the suite's cache: no second 2-minute build
    }
    result = subprocess.run(
        [str(command), "anonymise", "--jsonl"],
        input=line + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (answer,) = [json.loads(out) for out in result.stdout.splitlines()]
    assert (answer["id"], answer["pc4"], answer["wijk"]) == ("x", "3328", "Sterrenburg")
    assert "Hendrik" not in answer["oproep"]
    assert "vissen" in answer["oproep"]
