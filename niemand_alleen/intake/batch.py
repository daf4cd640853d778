"""One line of ``niemand-alleen anonymise --jsonl``: parse, anonymise, answer (no Flask)."""

from __future__ import annotations

import json
from typing import Any

from niemand_alleen.anonymiser import AnonymiserInputError, ResidentFields
from niemand_alleen.geo import Gazetteer, PostcodeError, normalise_postcode, short_name
from niemand_alleen.intake.proposals import ProposalWriter


def _area(gazetteer: Gazetteer, postcode: str) -> tuple[str | None, str | None]:
    """PC4 and wijk from the postcode alone (offline: no address leaves the service)."""
    try:
        result = gazetteer.locate(postcode)
    except PostcodeError:
        return None, None
    wijk = gazetteer.areas_for(result).wijk
    return normalise_postcode(postcode)[:4], short_name(wijk.statnaam) if wijk else None


def anonymise_line(gazetteer: Gazetteer, anonymiser: ProposalWriter, line: str) -> dict[str, Any]:
    """The answer for one input line; errors are answers too, so the stream goes on."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return {"id": None, "error": "Deze regel is geen geldige JSON."}
    if not isinstance(record, dict):
        return {"id": None, "error": "Elke regel moet een JSON-object zijn."}
    identifier = record.get("id")
    situatie = record.get("situatie")
    if not isinstance(situatie, str):
        return {"id": identifier, "error": "Het veld 'situatie' ontbreekt of is geen tekst."}
    fields_raw = record.get("fields")
    if not isinstance(fields_raw, dict):
        return {"id": identifier, "error": "Het veld 'fields' ontbreekt of is geen object."}
    try:
        fields = ResidentFields.from_mapping(fields_raw)
        pc4, wijk = _area(gazetteer, fields.postcode)
        result = anonymiser.anonymise(fields, situatie, pc4=pc4, wijk=wijk)
    except AnonymiserInputError as error:
        return {"id": identifier, "error": error.message}
    return {"id": identifier, "oproep": result.text, "pc4": pc4, "wijk": wijk}
