"""The derived indicators, computed in one place from answer counts.

Their definitions are data in the questionnaire file (`indicators`), each with the codes it
counts and its denominator written out. Every page, export and API reads them from here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from feedback.questionnaire import Indicator, Questionnaire


@dataclass(frozen=True)
class Share:
    """An indicator's value: `count` of the `answered` who gave one of its codes."""

    indicator: Indicator
    count: int
    answered: int

    @property
    def value(self) -> float | None:
        """The share from 0 to 1, or None when nobody answered."""
        return self.count / self.answered if self.answered else None


def compute(questionnaire: Questionnaire, counts: Mapping[str, Counter[str]]) -> list[Share]:
    """Every indicator of a questionnaire from the answer counts per question key.

    The denominator is everyone who answered the indicator's question, whatever they answered
    ("vet ej", "går inte ut av andra skäl" and "ingen uppfattning" included); those who left
    the question unanswered are not counted.
    """
    shares = []
    for indicator in questionnaire.indicators:
        answers = counts.get(indicator.question_key, Counter())
        shares.append(
            Share(
                indicator=indicator,
                count=sum(n for code, n in answers.items() if code in indicator.codes),
                answered=sum(answers.values()),
            )
        )
    return shares
