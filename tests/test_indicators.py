"""The derived indicators, checked against counts worked out by hand."""

from __future__ import annotations

from collections import Counter

import pytest

from feedback import indicators, questionnaire


def shares(counts: dict[str, Counter[str]]) -> dict[str, tuple[int, int]]:
    """Indicator key → (count, answered)."""
    return {
        s.indicator.key: (s.count, s.answered)
        for s in indicators.compute(questionnaire.current(), counts)
    }


def test_trygga_and_otrygga_follow_ntu() -> None:
    core = Counter(
        very_safe=3,
        fairly_safe=2,
        fairly_unsafe=1,
        very_unsafe=1,
        no_go_unsafe=2,  # counts as otrygg in NTU
        no_go_other=4,  # neither trygg nor otrygg, but in the denominator
        dont_know=1,  # in the denominator too
    )
    result = shares({"safety_evening": core})
    assert result["safe"] == (5, 14)
    assert result["unsafe"] == (4, 14)


def test_a_problem_counts_fairly_and_very_big_among_all_who_rated_it() -> None:
    result = shares(
        {"problem_lighting": Counter(none=2, small=1, fairly_big=3, very_big=1, no_opinion=3)}
    )
    assert result["big_problem:problem_lighting"] == (4, 10)
    assert result["big_problem:problem_graffiti"] == (0, 0)


def test_nobody_answering_gives_no_share_rather_than_zero() -> None:
    share = indicators.compute(questionnaire.current(), {})[0]
    assert share.value is None
    assert indicators.compute(
        questionnaire.current(), {"safety_evening": Counter(very_safe=1, dont_know=3)}
    )[0].value == pytest.approx(0.25)


def test_every_problem_has_its_indicator_and_each_names_its_denominator() -> None:
    current = questionnaire.current()
    problems = [q.key for q in current.questions if q.section == "problems"]
    keys = [i.key for i in current.indicators]
    assert keys == ["safe", "unsafe", *(f"big_problem:{p}" for p in problems)]
    assert all(i.denominator() for i in current.indicators)


def test_an_indicator_with_an_unknown_code_is_refused() -> None:
    from tests.test_questionnaire import v1_data

    data = v1_data()
    data["indicators"][0]["codes"] = ["very_safe", "somewhat_safe"]
    with pytest.raises(ValueError, match="unknown question or code"):
        questionnaire.parse(data)
