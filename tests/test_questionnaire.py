"""The survey instrument as data: version 1 follows DOMAIN.md, and bad files are refused."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from feedback import questionnaire
from feedback.i18n import LANGUAGES
from feedback.models import Question as QuestionRow
from feedback.models import QuestionnaireVersion, Response
from tests.conftest import answer, make_meeting, reread

# The newest version shipped, and the one a test ships after it.
LATEST = max(questionnaire.versions())
NEXT = LATEST + 1


def data_of(version: int) -> dict[str, Any]:
    """A version as stored in the package."""
    path = resources.files("feedback") / "questionnaires" / f"v{version}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def v1_data() -> dict[str, Any]:
    """Version 1 as stored in the package."""
    return data_of(1)


def ship_latest_as(monkeypatch: pytest.MonkeyPatch, data: dict[str, Any]) -> None:
    """Ship every version, the newest as `data` says."""
    shipped = {**questionnaire.versions(), LATEST: questionnaire.parse(data)}
    monkeypatch.setattr(questionnaire, "versions", lambda: shipped)


def ship_next_without_graffiti(
    monkeypatch: pytest.MonkeyPatch,
) -> dict[int, questionnaire.Questionnaire]:
    """Ship every version and a next one that leaves out the graffiti question."""
    following = data_of(LATEST)
    following["version"] = NEXT
    following["questions"] = [q for q in following["questions"] if q["key"] != "problem_graffiti"]
    shipped = {**questionnaire.versions(), NEXT: questionnaire.parse(following)}
    monkeypatch.setattr(questionnaire, "versions", lambda: shipped)
    return shipped


def test_version_one_asks_the_ntu_question_with_its_full_scale() -> None:
    v1 = questionnaire.versions()[1]
    core = v1.questions[0]
    assert core.key == "safety_evening"
    assert core.required
    assert [o.code for o in core.options] == [
        "very_safe",
        "fairly_safe",
        "fairly_unsafe",
        "very_unsafe",
        "no_go_unsafe",
        "no_go_other",
        "dont_know",
    ]
    assert "på grund av otrygghet" in core.option_label("no_go_unsafe")


def test_only_the_core_question_is_required() -> None:
    assert [q.key for q in questionnaire.current().questions if q.required] == ["safety_evening"]


def test_every_local_problem_is_rated_on_the_same_scale() -> None:
    problems = [q for q in questionnaire.current().questions if q.section == "problems"]
    assert len(problems) == 9
    for question in problems:
        assert [o.code for o in question.options] == [
            "none",
            "small",
            "fairly_big",
            "very_big",
            "no_opinion",
        ]
    assert {q.label() for q in problems} >= {"Narkotikahandel", "Klotter", "Nedskräpning"}


def test_there_is_free_text_and_optional_coarse_background() -> None:
    v1 = questionnaire.current()
    assert [q.key for q in v1.questions if q.kind == "text"] == ["unsafe_place_other", "safer_how"]
    gender = v1.question("gender")
    assert "Vill inte svara" in [o.label() for o in gender.options]
    assert {q.key for q in v1.questions if q.section == "background"} == {
        "age_band",
        "gender",
        "relation",
    }


# The fingerprints databases registered when each version was first synced, before the Farsi
# and Dari labels were added: translations may grow, a synced version's wording may not.
REGISTERED = {
    1: "520881ec910fa0dcc8a86a4d8d49204db5151913536ecc74216963a869f267ee",
    2: "d21d04f177165456db1f518a57988679f8c214a554f8c4c46a7bffa853916094",
}


def _wordings(data: object) -> list[dict[str, str]]:
    """Every wording in a version file, each a mapping from language to text; not the button
    words ("short"), which a language may do without."""
    if isinstance(data, list):
        return [w for item in data for w in _wordings(item)]
    if not isinstance(data, dict):
        return []
    if "sv" in data and all(isinstance(text, str) for text in data.values()):
        return [data]
    return [w for key, value in data.items() if key != "short" for w in _wordings(value)]


@pytest.mark.parametrize("version", sorted(questionnaire.versions()))
def test_every_wording_of_every_version_is_in_every_language(version: int) -> None:
    wordings = _wordings(data_of(version))
    assert wordings
    for wording in wordings:
        assert set(wording) == set(LANGUAGES), wording["sv"]
        assert all(text.strip() for text in wording.values()), wording["sv"]


def test_sync_accepts_the_versions_databases_registered_before_the_new_languages(
    session: Session,
) -> None:
    assert {v: q.fingerprint for v, q in questionnaire.versions().items()} == REGISTERED
    for version, fingerprint in REGISTERED.items():
        session.execute(
            update(QuestionnaireVersion)
            .where(QuestionnaireVersion.version == version)
            .values(fingerprint=fingerprint)
        )
    assert questionnaire.sync(session) == []
    assert all(questionnaire.is_synced(session, version) for version in REGISTERED)


def test_a_missing_translation_falls_back_to_swedish() -> None:
    assert questionnaire.current().question("problem_litter").label("fi") == "Nedskräpning"


def test_csv_columns_cover_every_version_with_the_current_order_first() -> None:
    keys = questionnaire.column_keys()
    assert keys[: len(questionnaire.current().questions)] == [
        q.key for q in questionnaire.current().questions
    ]
    assert len(keys) == len(set(keys))


def test_a_repeated_question_key_is_refused() -> None:
    data = v1_data()
    data["questions"].append(copy.deepcopy(data["questions"][0]))
    with pytest.raises(ValueError, match="repeats a question key"):
        questionnaire.parse(data)


def test_a_choice_question_without_options_is_refused() -> None:
    data = v1_data()
    del data["questions"][0]["options"]
    with pytest.raises(ValueError, match="no options"):
        questionnaire.parse(data)


def test_a_question_outside_every_section_is_refused() -> None:
    data = v1_data()
    data["questions"][0]["section"] = "nowhere"
    with pytest.raises(ValueError, match="outside every section"):
        questionnaire.parse(data)


def test_sync_registers_each_version_and_its_questions_once(session: Session) -> None:
    # The app fixture synced already: syncing again changes nothing.
    assert questionnaire.sync(session) == []
    registered = session.scalars(select(QuestionRow)).all()
    assert {q.key for q in registered} == set(questionnaire.column_keys())
    current = {q.key for q in questionnaire.current().questions}
    assert {q.key for q in registered if q.is_active} == current
    assert {q.key for q in registered if q.first_version == 1} == {
        q.key for q in questionnaire.versions()[1].questions
    }
    assert questionnaire.is_synced(session, 1) and questionnaire.is_synced(session, LATEST)
    assert not questionnaire.is_synced(session, NEXT)


def test_sync_refuses_new_wording_in_a_synced_version(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = v1_data()
    data["questions"][0]["label"]["sv"] = "Känner du dig trygg här?"
    monkeypatch.setattr(questionnaire, "versions", lambda: {1: questionnaire.parse(data)})
    with pytest.raises(questionnaire.ChangedWording, match="new version"):
        questionnaire.sync(session)


def test_a_new_translation_is_not_new_wording(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = data_of(LATEST)
    data["questions"][0]["label"]["en"] = "A better English wording"
    ship_latest_as(monkeypatch, data)
    assert questionnaire.sync(session) == []


def test_a_question_left_out_of_a_new_version_is_retired_not_deleted(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = ship_next_without_graffiti(monkeypatch)
    monkeypatch.setattr(questionnaire, "current", lambda: shipped[NEXT])
    changes = questionnaire.sync(session)
    assert changes == [f"version {NEXT} registered", "question problem_graffiti retired"]
    graffiti = session.get(QuestionRow, "problem_graffiti")
    assert graffiti is not None
    assert (graffiti.is_active, graffiti.first_version, graffiti.last_version) == (
        False,
        1,
        LATEST,
    )
    litter = session.get(QuestionRow, "problem_litter")
    assert litter is not None
    assert (litter.is_active, litter.last_version) == (True, NEXT)


def test_the_survey_is_not_offered_until_its_version_is_synced(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    session.execute(delete(QuestionRow))
    session.execute(delete(QuestionnaireVersion))
    session.commit()
    page = client.get(f"/s/{meeting.code}")
    assert page.status_code == 503
    assert "<form" not in page.text


def test_a_new_version_deployed_before_its_sync_leaves_residents_on_the_previous_one(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ship_next_without_graffiti(monkeypatch)
    meeting = make_meeting(session)

    page = client.get(f"/s/{meeting.code}")
    assert page.status_code == 200
    assert 'name="problem_graffiti"' in page.text  # still the version before
    _, data = answer(client, meeting, safety_evening="very_safe", problem_graffiti="small")
    assert client.post(f"/s/{meeting.code}", data=data).status_code == 303
    reread(session)
    assert session.scalars(select(Response.questionnaire_version)).all() == [LATEST]

    questionnaire.sync(session)  # the deploy's sync: the next version takes the next answers
    session.commit()
    assert (
        'name="problem_graffiti"'
        not in client.application.test_client().get(f"/s/{meeting.code}").text
    )


def test_the_sync_command_says_which_version_takes_responses(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["questionnaire", "sync"])
    assert result.exit_code == 0
    assert f"Questionnaire version {LATEST} takes new responses." in result.output


def test_every_short_answer_on_a_button_is_part_of_the_answers_name() -> None:
    """What a narrow screen shows on a scale's button is in the name a screen reader or voice
    control uses (WCAG 2.5.3), and the name is still the whole label."""
    current = questionnaire.current()
    shown = 0
    for question in current.questions:
        for option in question.options:
            for lang in LANGUAGES:
                parts = option.parts(lang)
                if parts is None:
                    continue
                shown += 1
                name = "".join(parts)
                assert parts[1] and parts[1] in name and option.label(lang) in name
    problems = [q for q in current.questions if q.key.startswith("problem_")]
    assert shown and all(q.in_a_row(lang) for q in problems for lang in LANGUAGES)
    assert not current.questions[0].in_a_row() and not current.questions[0].wraps()


def test_a_short_form_in_other_words_comes_first_with_the_label_after() -> None:
    option = questionnaire.Option("no_opinion", {"sv": "Ingen uppfattning"}, {"sv": "Vet ej"})
    assert option.parts("sv") == ("", "Vet ej", " (Ingen uppfattning)")
    within = questionnaire.Option("small", {"sv": "Litet problem"}, {"sv": "Litet"})
    assert within.parts("sv") == ("", "Litet", " problem")
    assert within.parts("en") is None


def test_new_button_words_are_not_new_wording(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    questionnaire.sync(session)
    data = data_of(LATEST)
    data["scales"]["problem"][0]["short"]["sv"] = "Inget alls"
    ship_latest_as(monkeypatch, data)
    assert questionnaire.sync(session) == []
