"""The questionnaires on the evaluation page: a bar chart per question and the CSV (pure).

The figures come from ``feedback.questionnaire_results``: per audience (good neighbours,
organisations) and question the number of answers, the mean and how often each score 1–5
was given. Open answers are listed newest first, as long as the retention period keeps them.
The answers have no link to an oproep, so the page's period does not apply to them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

from niemand_alleen.feedback import (
    AUDIENCE_LABELS,
    SCALE_LABELS,
    SCORES,
    AudienceFigures,
    QuestionFigures,
    QuestionnaireResults,
)
from niemand_alleen.matching.charts import Bar, bar_chart_svg
from niemand_alleen.matching.evaluation import number_nl, spreadsheet_safe

CSV_COLUMNS = (
    "groep",
    "vraag",
    "antwoorden",
    "gemiddelde",
    *(f"cijfer_{score}" for score in SCORES),
    "datum",
    "open_antwoord",
)
OPEN_QUESTION_LABEL = "open vraag"


def mean_nl(value: float | None) -> str:
    return "—" if value is None else number_nl(value, 1)


def score_label(score: int) -> str:
    return f"{score} – {SCALE_LABELS[score]}"


@dataclass(frozen=True)
class QuestionChart:
    figures: QuestionFigures
    svg: Markup


def question_charts(figures: AudienceFigures) -> tuple[QuestionChart, ...]:
    """One SVG bar chart per question: how many answers gave each score."""
    charts = []
    for question in figures.questions:
        bars = [
            Bar(label=score_label(score), value=count, value_label=str(count))
            for score, count in zip(SCORES, question.distribution, strict=True)
        ]
        svg = bar_chart_svg(
            bars,
            title=question.text,
            description=(
                f"{AUDIENCE_LABELS[figures.audience]}: {question.count} antwoorden, "
                f"gemiddeld {mean_nl(question.mean)}. Aantal antwoorden per cijfer:"
            ),
            id_prefix=f"grafiek-{figures.audience.value}-{question.number}",
        )
        charts.append(QuestionChart(question, Markup(svg)))  # noqa: S704  (charts escape)
    return tuple(charts)


def _figure_rows(figures: AudienceFigures) -> Iterable[list[object]]:
    for question in figures.questions:
        yield [
            AUDIENCE_LABELS[figures.audience],
            spreadsheet_safe(question.text),
            question.count,
            "" if question.mean is None else number_nl(question.mean, 2),
            *question.distribution,
            "",
            "",
        ]


def questionnaire_csv(results: QuestionnaireResults) -> str:
    """The figures per question, then the open answers (newest first); UTF-8 with a BOM and
    ``;`` between cells (Dutch Excel)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for figures in (results.neighbours, results.organisations):
        writer.writerows(_figure_rows(figures))
    for answer in results.open_answers:
        writer.writerow(
            [
                AUDIENCE_LABELS[answer.audience],
                OPEN_QUESTION_LABEL,
                *([""] * (2 + len(SCORES))),
                answer.answered_on.isoformat(),
                spreadsheet_safe(answer.text),
            ]
        )
    return buffer.getvalue()
