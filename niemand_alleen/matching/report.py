"""A ranking as plain data and text, for ``niemand-alleen match`` (ids only, no names)."""

from __future__ import annotations

from typing import Any

from niemand_alleen.matching.matcher import Ranked, Ranking, format_distance, round_distance
from niemand_alleen.models import Oproep


def _ranked(entry: Ranked) -> dict[str, Any]:
    return {
        "position": entry.position,
        "volunteer_id": str(entry.neighbour.id),
        "distance_m": round_distance(entry.distance_m),
        "approximate": entry.approximate,
        "source": entry.neighbour.source.value,
        "outside_area": entry.neighbour.outside_area,
        "signed_up_at": entry.neighbour.signed_up_at.isoformat(timespec="seconds"),
        "explanation": entry.explanation,
    }


def ranking_report(oproep: Oproep, ranking: Ranking) -> dict[str, Any]:
    origin = ranking.origin
    return {
        "oproep_id": str(oproep.id),
        "status": oproep.status.value,
        "places": ranking.rules.places,
        "max_distance_m": ranking.rules.max_distance_m,
        "outside_area_max_distance_m": ranking.rules.outside_area_max_distance_m,
        "resident_location": None if origin is None else origin.precision.value,
        "proposed": [_ranked(entry) for entry in ranking.proposed],
        "reserve": [_ranked(entry) for entry in ranking.reserve],
        "excluded": [
            {
                "volunteer_id": str(entry.neighbour.id),
                "reason": entry.reason.value,
                "outside_area": entry.neighbour.outside_area,
                "explanation": entry.explanation,
                "distance_m": None
                if entry.distance_m is None
                else round_distance(entry.distance_m),
            }
            for entry in ranking.excluded
        ],
        "further": ranking.further,
    }


def ranking_text(report: dict[str, Any]) -> str:
    lines = [
        f"Oproep {report['oproep_id']} ({report['status']}), {report['places']} plaatsen.",
    ]
    if report["resident_location"] is None:
        lines.append("De plek van de bewoner is onbekend: er is geen afstand te berekenen.")
    for title, key in (("Voorgesteld", "proposed"), ("Reserve", "reserve")):
        lines.append(f"{title}:")
        if not report[key]:
            lines.append("  (niemand)")
        for entry in report[key]:
            approx = "bij benadering " if entry["approximate"] else ""
            lines.append(
                f"  {entry['position']:>3}. {entry['volunteer_id']}  "
                f"{approx}{format_distance(entry['distance_m'])}  "
                f"aangemeld {entry['signed_up_at']}"
                + ("  (opnieuw vragen)" if entry["source"] == "contact_again" else "")
                + ("  (buiten werkgebied)" if entry["outside_area"] else "")
            )
    lines.append("Valt af:")
    if not report["excluded"]:
        lines.append("  (niemand)")
    for entry in report["excluded"]:
        outside = "  (buiten werkgebied)" if entry["outside_area"] else ""
        lines.append(
            f"  {entry['volunteer_id']}  {entry['reason']}: {entry['explanation']}{outside}"
        )
    if report["further"]:
        lines.append(f"En nog {report['further']} verder weg (niet exact gerangschikt).")
    return "\n".join(lines)
