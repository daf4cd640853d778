"""The questions of the evaluation questionnaires and their figures (pure: no Flask, no
database).

Each audience answers three questions on the same 5-point scale and one optional open
question. The texts are Dutch message ids: pages translate them with ``gettext`` when they
show them. ``score_1`` to ``score_3`` in ``QuestionnaireAnswer`` follow the order here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from niemand_alleen.models import QuestionnaireAudience


def N_(message: str) -> str:  # the name message extractors look for
    """Marks a Dutch message id for the catalogues; pages translate it when they show it."""
    return message


SCORES = (1, 2, 3, 4, 5)
SCALE_LABELS = {
    1: N_("Heel slecht"),
    2: N_("Slecht"),
    3: N_("Niet goed, niet slecht"),
    4: N_("Goed"),
    5: N_("Heel goed"),
}
OPEN_ANSWER_MAX = 1000

QUESTIONS: dict[QuestionnaireAudience, tuple[str, str, str]] = {
    QuestionnaireAudience.NEIGHBOUR: (
        N_("Hoe gaat het contact met de bewoner?"),
        N_("Hoe duidelijk was wat er van u als goede buur werd verwacht?"),
        N_("Hoe goed hielp de coördinator u op weg?"),
    ),
    QuestionnaireAudience.ORGANISATION: (
        N_("Hoe duidelijk was de oproep?"),
        N_("Hoe makkelijk was het om de oproep door te sturen aan mensen in uw netwerk?"),
        N_("Hoe tevreden bent u over de samenwerking met Niemand Alleen?"),
    ),
}
OPEN_QUESTION = N_("Wilt u nog iets kwijt over Niemand Alleen? Wat ging goed, wat kan beter?")

AUDIENCE_LABELS = {
    QuestionnaireAudience.NEIGHBOUR: "Goede buren",
    QuestionnaireAudience.ORGANISATION: "Organisaties",
}


@dataclass(frozen=True, slots=True)
class QuestionFigures:
    """The answers to one question: how many, their mean and how often each score."""

    number: int  # 1, 2 or 3
    text: str
    count: int
    mean: float | None
    distribution: tuple[int, int, int, int, int]  # answers with score 1 … 5


@dataclass(frozen=True, slots=True)
class AudienceFigures:
    audience: QuestionnaireAudience
    answers: int
    questions: tuple[QuestionFigures, ...]


def question_figures(number: int, text: str, scores: Iterable[int]) -> QuestionFigures:
    given = [score for score in scores if score in SCORES]
    distribution = tuple(given.count(score) for score in SCORES)
    mean = sum(given) / len(given) if given else None
    return QuestionFigures(
        number=number,
        text=text,
        count=len(given),
        mean=mean,
        distribution=(
            distribution[0],
            distribution[1],
            distribution[2],
            distribution[3],
            distribution[4],
        ),
    )


def audience_figures(
    audience: QuestionnaireAudience, answers: Sequence[tuple[int, int, int]]
) -> AudienceFigures:
    """Figures per question from the scores of each answer (in the order of ``QUESTIONS``)."""
    return AudienceFigures(
        audience=audience,
        answers=len(answers),
        questions=tuple(
            question_figures(index + 1, text, (answer[index] for answer in answers))
            for index, text in enumerate(QUESTIONS[audience])
        ),
    )
