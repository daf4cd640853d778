"""The coordinator's evaluation page and its CSV exports.

The numbers come from ``matching.evaluation`` (which reads only non-personal columns). An
optional period (aanmelding from/to, local dates) limits both; bad input gets a Dutch
message and status 400, and nothing else happens. The exports are audited (no data).
The questionnaires (``feedback``) add their figures and open answers, which name nobody's
identity: they are stored without a link to a person or an oproep.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup
from wtforms import Field, StringField

from niemand_alleen import feedback, validation
from niemand_alleen.audit import RecordType, details
from niemand_alleen.auth import roles_required
from niemand_alleen.dates import short_date
from niemand_alleen.db import request_session
from niemand_alleen.distribution import wijk_names
from niemand_alleen.forms import SearchForm, checked
from niemand_alleen.lifecycle import OPROEP_STATUS_LABELS
from niemand_alleen.matching.charts import Bar, bar_chart_svg
from niemand_alleen.matching.evaluation import (
    FOLLOWUP_LABELS,
    Evaluation,
    Period,
    days_nl,
    decline_label,
    evaluate,
    evaluation_csv,
    load_rows,
    number_nl,
)
from niemand_alleen.matching.evaluation_questionnaires import (
    mean_nl,
    question_charts,
    questionnaire_csv,
)
from niemand_alleen.matching.service import DECLINE_LABELS
from niemand_alleen.models import Role
from niemand_alleen.web_helpers import csv_download

bp = Blueprint("evaluation", __name__, url_prefix="/evaluatie")


class PeriodForm(SearchForm):
    van = StringField("Aangemeld vanaf", render_kw={"class": "short", "inputmode": "numeric"})
    tot = StringField("Aangemeld tot en met", render_kw={"class": "short", "inputmode": "numeric"})

    def validate_van(self, field: Field) -> None:
        field.parsed = checked(lambda: validation.optional_date(field.data))

    def validate_tot(self, field: Field) -> None:
        start = getattr(self.van, "parsed", None)
        field.parsed = checked(lambda: validation.period_end(field.data, start))

    def period(self) -> Period:
        return Period(
            start=getattr(self.van, "parsed", None), end=getattr(self.tot, "parsed", None)
        )


def _form() -> tuple[PeriodForm, bool]:
    form = PeriodForm(request.args)
    valid = not request.args or form.validate()
    return form, valid


def _oproep_label(created_at: datetime, wijk: str) -> str:
    return f"{short_date(created_at)}, {wijk}"


def _charts(evaluation: Evaluation, names: dict[str, str]) -> dict[str, Markup]:
    organisations = [
        Bar(
            label=entry.name,
            value=entry.signups,
            value_label=f"{entry.signups} ({entry.confirmed_signups} bevestigd)",
        )
        for entry in evaluation.per_organisation
        if entry.signups or entry.oproepen_mailed
    ]
    matched = [
        Bar(
            label=_oproep_label(row.created_at, names.get(row.wijk_code or "", "wijk onbekend")),
            value=row.days_to_match,
            value_label=days_nl(row.days_to_match),
        )
        for row in evaluation.per_oproep
        if row.days_to_match is not None
    ]
    declines = [
        Bar(
            label=decline_label(entry.code, DECLINE_LABELS),
            value=entry.count,
            value_label=str(entry.count),
        )
        for entry in evaluation.declines
    ]
    svg = {
        "organisations": bar_chart_svg(
            organisations,
            title="Aanmeldingen per organisatie",
            description="Aantal aanmeldingen van goede buren via de link van elke organisatie.",
            id_prefix="grafiek-organisaties",
        ),
        "matched": bar_chart_svg(
            matched,
            title="Dagen van aanmelding tot koppeling, per oproep",
            description="Per gekoppelde oproep het aantal dagen van aanmelding van de bewoner "
            "tot de koppeling.",
            id_prefix="grafiek-koppeling",
        ),
        "declines": bar_chart_svg(
            declines,
            title="Redenen van afwijzen",
            description="Hoe vaak elke reden is gekozen bij een afgewezen voorstel.",
            id_prefix="grafiek-afwijzen",
        ),
    }
    return {key: Markup(value) for key, value in svg.items()}  # noqa: S704  (charts escape)


@bp.route("")
@roles_required(Role.COORDINATOR)
def evaluation_page() -> str | tuple[str, int]:
    form, valid = _form()
    session = request_session()
    names = wijk_names(session)
    evaluation = evaluate(load_rows(session, form.period() if valid else None))
    results = feedback.questionnaire_results(session)
    html = render_template(
        "matching/evaluation.html",
        form=form,
        valid=valid,
        evaluation=evaluation,
        charts=_charts(evaluation, names),
        wijk_names=names,
        status_labels=OPROEP_STATUS_LABELS,
        decline_label=lambda code: decline_label(code, DECLINE_LABELS),
        followup_labels=FOLLOWUP_LABELS,
        days_nl=days_nl,
        number_nl=number_nl,
        export_args={key: value for key, value in request.args.items() if key in ("van", "tot")},
        questionnaires=results,
        question_charts={
            "neighbours": question_charts(results.neighbours),
            "organisations": question_charts(results.organisations),
        },
        audience_labels=feedback.AUDIENCE_LABELS,
        mean_nl=mean_nl,
    )
    return html if valid else (html, 400)


@bp.route("/export.csv")
@roles_required(Role.COORDINATOR)
def evaluation_export() -> Response:
    form, valid = _form()
    if not valid:
        abort(400)
    session = request_session()
    period = form.period()
    body = evaluation_csv(
        evaluate(load_rows(session, period)),
        wijk_names=wijk_names(session),
        status_labels=OPROEP_STATUS_LABELS,
        decline_labels=DECLINE_LABELS,
    )
    detail = details.export_period(period.start, period.end)
    return csv_download(
        session, body, name="evaluatie", record_type=RecordType.EVALUATION, detail=detail
    )


@bp.route("/vragenlijsten.csv")
@roles_required(Role.COORDINATOR)
def questionnaires_export() -> Response:
    """The questionnaires' figures and open answers (audited like the other export)."""
    session = request_session()
    body = questionnaire_csv(feedback.questionnaire_results(session))
    return csv_download(
        session, body, name="evaluatie-vragenlijsten", record_type=RecordType.EVALUATION
    )
