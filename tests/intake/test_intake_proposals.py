"""The worker side of intake: proposals are written and checked, never in a web worker."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from niemand_alleen.anonymiser import AnonymisedOproep, Anonymiser, Finding, ResidentFields
from niemand_alleen.intake.proposals import pending_oproepen, prepare, submit_text
from niemand_alleen.models import (
    LawfulBasisArt6,
    LawfulBasisArt9,
    Oproep,
    OproepStatus,
    Resident,
)


class FakeWriter:
    """Stands in for the loaded anonymiser; records what it was given."""

    def __init__(self) -> None:
        self.anonymised: list[tuple[ResidentFields, str, str | None]] = []
        self.checked: list[str] = []

    def anonymise(
        self, fields: ResidentFields, situatie: str, *, pc4: str | None, wijk: str | None
    ) -> AnonymisedOproep:
        self.anonymised.append((fields, situatie, wijk))
        return AnonymisedOproep(text="Een bewoner zoekt gezelschap.", pc4=pc4, wijk=wijk)

    def check(self, fields: ResidentFields, text: str, *, wijk: str | None = None) -> list[Finding]:
        self.checked.append(text)
        return [Finding("warning", "naam", 4, 11, 1)]


@pytest.fixture
def draft(db_session: Session) -> Oproep:
    resident = Resident(
        first_name="Jan",
        last_name="Pietersen",
        street="Voorstraat",
        house_number="1",
        postcode="3311AB",
        phone="+31612345678",
        birth_date="1940-01-02",
        situation="Meneer Pietersen is slecht ter been.",
        lawful_basis_art6=LawfulBasisArt6.PUBLIC_TASK,
        lawful_basis_art9=LawfulBasisArt9.SOCIAL_CARE,
    )
    db_session.add(resident)
    db_session.flush()
    oproep = Oproep(resident_id=resident.id, pc4="3311", deadline=date.today() + timedelta(7))
    db_session.add(oproep)
    db_session.commit()
    return oproep


def test_a_draft_gets_a_checked_proposal(db_session: Session, draft: Oproep) -> None:
    writer = FakeWriter()
    assert [oproep.id for oproep in pending_oproepen(db_session)] == [draft.id]
    prepare(db_session, writer, draft)
    db_session.commit()
    ((fields, situatie, _),) = writer.anonymised
    assert (fields.last_name, fields.birth_date) == ("Pietersen", date(1940, 1, 2))
    assert situatie == "Meneer Pietersen is slecht ter been."
    assert draft.proposed_text == "Een bewoner zoekt gezelschap."
    assert writer.checked == ["Een bewoner zoekt gezelschap."]
    assert json.loads(draft.proposal_warnings or "") == [
        {"category": "naam", "start": 4, "end": 11, "sentence": 1}
    ]
    assert pending_oproepen(db_session) == []


def test_a_coordinators_text_is_checked_not_rewritten(db_session: Session, draft: Oproep) -> None:
    draft.proposed_text = "Oud voorstel."
    draft.proposal_checked_at = datetime.now(UTC)
    submit_text(db_session, draft, "Eigen tekst van de coördinator.")
    db_session.commit()
    writer = FakeWriter()
    (pending,) = pending_oproepen(db_session)
    prepare(db_session, writer, pending)
    assert writer.anonymised == []
    assert writer.checked == ["Eigen tekst van de coördinator."]
    assert pending.proposed_text == "Eigen tekst van de coördinator."


def test_approved_oproepen_are_left_alone(db_session: Session, draft: Oproep) -> None:
    draft.status = OproepStatus.APPROVED
    db_session.add(draft)
    db_session.commit()
    assert pending_oproepen(db_session) == []


def test_the_web_app_never_loads_the_de_identification_library() -> None:
    """R5.6: gunicorn workers build the app; deduce (1 GB) must stay out of them."""
    code = (
        "import sys\n"
        "from niemand_alleen import create_app\n"
        "from niemand_alleen.config import load_settings\n"
        "import tempfile, pathlib\n"
        "tmp = pathlib.Path(tempfile.mkdtemp())\n"
        "create_app(load_settings('test', environ={}, instance_path=tmp))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'deduce', 'docdeid'}))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert output.strip() == "[]"


def test_the_real_anonymiser_writes_a_proposal_without_the_resident(
    db_session: Session, draft: Oproep, anonymiser: Anonymiser
) -> None:
    prepare(db_session, anonymiser, draft)
    db_session.commit()
    text = draft.proposed_text or ""
    assert "Pietersen" not in text
    assert "slecht ter been" in text
    assert draft.proposal_checked_at is not None


def test_empty_situatie_gives_an_empty_proposal_to_write(
    db_session: Session, draft: Oproep, anonymiser: Anonymiser
) -> None:
    resident = db_session.get(Resident, draft.resident_id)
    assert resident is not None
    resident.situation = "   "
    db_session.add(resident)
    prepare(db_session, anonymiser, draft)
    assert draft.proposed_text == ""
    assert draft.proposal_checked_at is not None
