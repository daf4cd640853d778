"""Neighbours from outside the service area in the real matching flow (both databases): the
stored mark keeps them from being proposed beyond their limit, and the coordinator sees the
label "buiten werkgebied" wherever they are listed."""

from __future__ import annotations

import json
import re

from flask import Flask
from oproep_support import OpenScenario
from sqlmodel import Session, col, select
from support import AddNeighbour, csrf_token, login

from niemand_alleen.cli import main
from niemand_alleen.matching.service import close_oproep
from niemand_alleen.models import Match

LABEL = '<span class="tag">buiten werkgebied</span>'


def test_outside_the_area_is_never_proposed_beyond_its_limit(
    app: Flask, db_session: Session, open_scenario: OpenScenario, add_neighbour: AddNeighbour
) -> None:
    oproep = open_scenario.oproep
    settings = app.config["SETTINGS"]
    assert (settings.match_max_distance_m, settings.outside_area_max_distance_km) == (3000, 2.0)
    outside_near = add_neighbour(oproep.id, 1500, outside_area=True)
    outside_far = add_neighbour(oproep.id, 2500, outside_area=True, minutes=-30)
    inside_far = add_neighbour(oproep.id, 2500)
    # From the general form, asked again: the same limit.
    again_far = add_neighbour(None, 2400, outside_area=True, contact_again=True)
    with app.app_context():
        close_oproep(db_session, settings, oproep.id, None)
        db_session.commit()
    proposed = db_session.exec(
        select(Match.volunteer_id).where(Match.oproep_id == oproep.id).order_by(col(Match.rank))
    ).all()
    assert proposed == [outside_near.id, inside_far.id]

    result = app.test_cli_runner().invoke(main, ["match", str(oproep.id), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["outside_area_max_distance_m"] == 2000.0
    assert [(e["volunteer_id"], e["outside_area"]) for e in report["proposed"]] == [
        (str(outside_near.id), True),
        (str(inside_far.id), False),
    ]
    assert [(e["volunteer_id"], e["reason"]) for e in report["excluded"]] == [
        (str(outside_far.id), "outside_area_too_far"),
        (str(again_far.id), "outside_area_too_far"),
    ]
    assert all(e["outside_area"] for e in report["excluded"])
    text = app.test_cli_runner().invoke(main, ["match", str(oproep.id)]).output
    assert "(buiten werkgebied)" in text


def test_the_coordinator_sees_the_label_on_the_matching_page(
    app: Flask, open_scenario: OpenScenario, add_neighbour: AddNeighbour
) -> None:
    oproep = open_scenario.oproep
    add_neighbour(oproep.id, 300)
    add_neighbour(oproep.id, 600, outside_area=True)
    add_neighbour(oproep.id, 2500, outside_area=True)
    client = app.test_client()
    login(client, open_scenario.coordinator_email)
    page = f"/oproepen/{oproep.id}/koppelen"

    # Open: the ranking lists the sign-ups, the one from outside labelled.
    html = client.get(page).get_data(as_text=True)
    ranking = html[html.index('<ol class="ranking">') :]
    items = re.findall(r"<li>(.*?)</li>", ranking[: ranking.index("</ol>")])
    assert [LABEL in item for item in items] == [False, True]
    dropped = html[html.index("<h3>Vallen af</h3>") :]
    assert "Woont buiten het werkgebied en verder weg dan 2 km" in dropped
    assert dropped.count(LABEL) == 1

    # Closed: the proposal from outside carries the label by the name.
    token = csrf_token(client, page)
    assert client.post(f"{page}/sluiten", data={"csrf_token": token}).status_code == 302
    html = client.get(page).get_data(as_text=True)
    headings = re.findall(r'<h3 id="voorstel-[^"]+">(.*?)</h3>', html)
    assert len(headings) == 2
    assert LABEL not in headings[0]
    assert "Buur2 Test" + " " + LABEL in headings[1]
