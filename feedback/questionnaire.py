"""The survey instrument as data: versioned JSON files in feedback/questionnaires/."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

from sqlalchemy import ScalarSelect, and_, func, or_, select
from sqlalchemy.orm import Session

from feedback.models import CODE_MAX_LENGTH, QuestionnaireVersion
from feedback.models import Question as QuestionRow

DEFAULT_LANGUAGE = "sv"


# Answers with labels up to this long flow side by side; longer ones are listed one per line.
SHORT_LABEL = 30

# What a question asks for: one answer code, any number of codes ("multiple"), any number of
# the meeting's district's places plus codes ("places"), a position on a map, or free text.
KINDS = ("choice", "multiple", "places", "point", "text")
# A question that takes several codes stores one answer per code, keyed "question:code": each
# is counted like any other answer code, from the same index.
SEPARATOR = ":"


def question_key(stored_key: str) -> str:
    """The question an answer belongs to: "unsafe_places" of "unsafe_places:17"."""
    return stored_key.partition(SEPARATOR)[0]


def _text(labels: dict[str, str], language: str) -> str:
    """The label in the language, falling back to Swedish."""
    return labels.get(language) or labels[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Option:
    """One answer alternative with its stable code."""

    code: str
    labels: dict[str, str]
    # The words of the label a narrow screen shows on the answer's button ("Litet" of "Litet
    # problem"), per language; the whole label stays the button's accessible name.
    shorts: dict[str, str] = field(default_factory=dict)

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The wording in a language."""
        return _text(self.labels, language)

    def parts(self, language: str = DEFAULT_LANGUAGE) -> tuple[str, str, str] | None:
        """The label around its short form, (before, short, after), so that the short form a
        narrow screen shows is always part of the answer's name (WCAG 2.5.3): "Litet problem"
        is ("", "Litet", " problem"); a short form of other words ("Vet ej" for "Ingen
        uppfattning") comes first, the label after it. None without a short form."""
        short, label = self.shorts.get(language), self.label(language)
        if not short:
            return None
        if short not in label:
            return "", short, f" ({label})"
        before, _, after = label.partition(short)
        return before, short, after


@dataclass(frozen=True)
class Question:
    """One question: a stable key, a kind ('choice' or 'text'), and its wording per language."""

    key: str
    kind: str
    section: str
    labels: dict[str, str]
    help: dict[str, str]
    options: tuple[Option, ...]
    required: bool
    max_length: int
    # Word stems that tie free text to this question's topic, for grouping quotes by problem.
    keywords: tuple[str, ...] = ()
    # Of a places question: the text question where a resident says which other place.
    other: str = ""
    rows: int = 2  # of a text question: the lines its box shows

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The wording in a language."""
        return _text(self.labels, language)

    def help_text(self, language: str = DEFAULT_LANGUAGE) -> str | None:
        """The hint under the question, if any."""
        return _text(self.help, language) if self.help else None

    def in_a_row(self, language: str = DEFAULT_LANGUAGE) -> bool:
        """Whether the answers sit side by side as equally wide buttons: they have short forms."""
        return any(o.parts(language) for o in self.options)

    def wraps(self, language: str = DEFAULT_LANGUAGE) -> bool:
        """Whether the answers are short enough to flow side by side, as many as fit a line."""
        return all(len(o.label(language)) <= SHORT_LABEL for o in self.options)

    def option_label(self, code: str, language: str = DEFAULT_LANGUAGE) -> str:
        """The wording of an answer code; unknown codes are shown as they are."""
        return next((o.label(language) for o in self.options if o.code == code), code)

    @property
    def is_multiple(self) -> bool:
        """Whether the question takes any number of codes, each stored as its own answer."""
        return self.kind in ("multiple", "places")

    def stored_key(self, code: str) -> str:
        """The key an answer code of a multiple question is stored under."""
        return f"{self.key}{SEPARATOR}{code}"


@dataclass(frozen=True)
class Section:
    """A titled group of questions on the page."""

    key: str
    titles: dict[str, str]
    help: dict[str, str]
    questions: tuple[Question, ...]

    def title(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The heading in a language."""
        return _text(self.titles, language)

    def help_text(self, language: str = DEFAULT_LANGUAGE) -> str | None:
        """The introduction under the heading, if any."""
        return _text(self.help, language) if self.help else None


@dataclass(frozen=True)
class Indicator:
    """A derived share: answers with one of `codes` among everyone who answered the question."""

    key: str
    question_key: str
    codes: frozenset[str]
    labels: dict[str, str]
    denominators: dict[str, str]
    per_question: bool = False  # given for a scale: one such indicator for each question on it

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The indicator's name in a language."""
        return _text(self.labels, language)

    def denominator(self, language: str = DEFAULT_LANGUAGE) -> str:
        """Who the share is a share of, written out for readers."""
        return _text(self.denominators, language)


@dataclass(frozen=True)
class Questionnaire:
    """One version of the survey."""

    version: int
    titles: dict[str, str]
    sections: tuple[Section, ...]
    indicators: tuple[Indicator, ...] = ()

    @cached_property  # asked for on every survey page (taking_answers)
    def fingerprint(self) -> str:
        """A digest of the Swedish wording, the kinds and the codes, but not the translations."""
        canonical = [
            (q.key, q.kind, q.required, q.label(), [(o.code, o.label()) for o in q.options])
            for q in self.questions
        ]
        data = json.dumps([self.version, canonical], ensure_ascii=False).encode()
        return hashlib.sha256(data).hexdigest()

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in page order."""
        return tuple(q for s in self.sections for q in s.questions)

    def question(self, key: str) -> Question:
        """The question with this key."""
        return next(q for q in self.questions if q.key == key)

    def indicator_label(self, indicator: Indicator, language: str = DEFAULT_LANGUAGE) -> str:
        """An indicator's name; one that a scale gives each question names the question too."""
        if not indicator.per_question:
            return indicator.label(language)
        return (
            f"{indicator.label(language)}: {self.question(indicator.question_key).label(language)}"
        )

    def title(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The survey's heading in a language."""
        return _text(self.titles, language)


def _question(data: dict[str, Any], scales: dict[str, list[dict[str, Any]]]) -> Question:
    raw_options = data.get("options") or scales.get(data.get("scale", ""), [])
    if data["kind"] not in KINDS or SEPARATOR in data["key"]:
        raise ValueError(f"question {data['key']} has an unknown kind or a {SEPARATOR} in its key")
    if data["kind"] in ("choice", "multiple") and not raw_options:
        raise ValueError(f"question {data['key']} has no options")
    if any(len(o["code"]) > CODE_MAX_LENGTH for o in raw_options):
        raise ValueError(f"question {data['key']} has a code over {CODE_MAX_LENGTH} characters")
    return Question(
        key=data["key"],
        kind=data["kind"],
        section=data["section"],
        labels=data["label"],
        help=data.get("help", {}),
        options=tuple(Option(o["code"], o["label"], o.get("short", {})) for o in raw_options),
        required=data.get("required", False),
        max_length=data.get("max_length", 0),
        keywords=tuple(data.get("keywords", {}).get(DEFAULT_LANGUAGE, [])),
        other=data.get("other", ""),
        rows=data.get("rows", 2),
    )


def parse(data: dict[str, Any]) -> Questionnaire:
    """Build a questionnaire from its JSON data, checking that keys are unique."""
    questions = [_question(q, data.get("scales", {})) for q in data["questions"]]
    keys = [q.key for q in questions]
    if len(keys) != len(set(keys)):
        raise ValueError(f"questionnaire {data['version']} repeats a question key")
    sections = tuple(
        Section(
            key=s["key"],
            titles=s["title"],
            help=s.get("help", {}),
            questions=tuple(q for q in questions if q.section == s["key"]),
        )
        for s in data["sections"]
    )
    if sum(len(s.questions) for s in sections) != len(questions):
        raise ValueError(f"questionnaire {data['version']} has a question outside every section")
    return Questionnaire(
        version=data["version"],
        titles=data["title"],
        sections=sections,
        indicators=tuple(_indicators(data, questions)),
    )


def _indicators(data: dict[str, Any], questions: list[Question]) -> Iterator[Indicator]:
    """The indicator definitions; one given for a scale applies to each question on it."""
    by_key = {q.key: q for q in questions}
    for spec in data.get("indicators", []):
        if "scale" in spec:
            keys = [q["key"] for q in data["questions"] if q.get("scale") == spec["scale"]]
        else:
            keys = [spec["question"]]
        for key in keys:
            codes = frozenset(spec["codes"])
            if key not in by_key or not codes <= {o.code for o in by_key[key].options}:
                raise ValueError(f"indicator {spec['key']} names an unknown question or code")
            yield Indicator(
                key=spec["key"] if "question" in spec else f"{spec['key']}:{key}",
                question_key=key,
                codes=codes,
                labels=spec["label"],
                denominators=spec["denominator"],
                per_question="scale" in spec,
            )


@cache
def versions() -> dict[int, Questionnaire]:
    """Every questionnaire version shipped with the package."""
    folder = resources.files("feedback") / "questionnaires"
    loaded = [
        parse(json.loads(f.read_text(encoding="utf-8")))
        for f in folder.iterdir()
        if f.name.endswith(".json")
    ]
    return {q.version: q for q in sorted(loaded, key=lambda q: q.version)}


def current() -> Questionnaire:
    """The version new responses are given in: the highest."""
    return versions()[max(versions())]


def column_keys() -> list[str]:
    """Every question key of every version, current version's order first: the CSV columns."""
    keys: list[str] = []
    for questionnaire in [current(), *versions().values()]:
        keys += [q.key for q in questionnaire.questions if q.key not in keys]
    return keys


def text_questions() -> list[Question]:
    """Every free-text question of every version, current version's first, each key once."""
    found: dict[str, Question] = {}
    for questionnaire in [current(), *reversed(versions().values())]:
        for question in questionnaire.questions:
            if question.kind == "text":
                found.setdefault(question.key, question)
    return list(found.values())


class ChangedWording(Exception):
    """A synced version's Swedish wording or codes differ from what was synced."""


def sync(session: Session) -> list[str]:
    """Register the shipped versions and their questions; what changed, as lines for people."""
    changes = []
    for version, shipped in versions().items():
        registered = session.get(QuestionnaireVersion, version)
        if registered is None:
            session.add(QuestionnaireVersion(version=version, fingerprint=shipped.fingerprint))
            changes.append(f"version {version} registered")
        elif registered.fingerprint is None:
            registered.fingerprint = shipped.fingerprint
            changes.append(f"version {version} fingerprinted")
        elif registered.fingerprint != shipped.fingerprint:
            raise ChangedWording(
                f"version {version} was synced with other wording or codes; "
                "new wording needs a new version file"
            )
    session.flush()
    known = {q.key: q for q in session.scalars(select(QuestionRow))}
    active = {q.key for q in current().questions}
    for version, shipped in versions().items():
        for question in shipped.questions:
            row = known.get(question.key)
            if row is None:
                row = known[question.key] = QuestionRow(
                    key=question.key,
                    kind=question.kind,
                    first_version=version,
                    last_version=version,
                    is_active=question.key in active,
                )
                session.add(row)
                changes.append(f"question {question.key} added")
            elif row.kind != question.kind:
                raise ChangedWording(f"question {question.key} changed kind; use a new key")
            row.last_version = max(row.last_version, version)
    for row in known.values():
        if row.is_active != (row.key in active):
            row.is_active = row.key in active
            changes.append(f"question {row.key} {'activated' if row.is_active else 'retired'}")
    session.flush()
    return changes


def offered_version() -> ScalarSelect[int | None]:
    """The highest shipped version that `questionnaire sync` registered with the same wording,
    as a subquery: the survey page asks for it in the same query as the meeting."""
    shipped = (
        and_(
            QuestionnaireVersion.version == version,
            QuestionnaireVersion.fingerprint == q.fingerprint,
        )
        for version, q in versions().items()
    )
    return select(func.max(QuestionnaireVersion.version)).where(or_(*shipped)).scalar_subquery()


def offered(version: int | None) -> Questionnaire | None:
    """The shipped questionnaire of an offered version (None before anything was synced)."""
    return None if version is None else versions()[version]


def taking_answers(session: Session) -> Questionnaire | None:
    """The version the survey offers: the highest shipped one that `questionnaire sync` registered.

    Between deploying a new version's file and syncing it, residents keep getting the previous
    version instead of an error page; None only before anything was synced.
    """
    return offered(session.scalar(select(offered_version())))


def is_synced(session: Session, version: int) -> bool:
    """Whether a version is registered and so can take responses."""
    row = session.get(QuestionnaireVersion, version)
    return row is not None and row.fingerprint is not None
