"""Translations: every interface string in every language, and compiled catalogs up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from feedback.i18n import DEFAULT, LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "feedback" / "translations"
TRANSLATED = [code for code in LANGUAGES if code != DEFAULT]
# What a translation must carry over from the Swedish: named placeholders and escaped percents.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def interface_strings() -> set[str]:
    """Every string marked for translation, found the way `make translations` finds them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = extract_from_dir(ROOT, method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_interface_string_is_translated(language: str) -> None:
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po)
    missing = sorted(
        text
        for text in interface_strings()
        if text not in catalog
        or not catalog[text].string
        or (isinstance(catalog[text].string, tuple) and not all(catalog[text].string))
        or catalog[text].fuzzy
    )
    assert missing == [], (
        f"{len(missing)} strings lack a {language} translation (make translations)"
    )


def test_every_language_has_its_own_catalog() -> None:
    assert TRANSLATED == ["en", "ar", "so", "fa", "fa_AF"]
    assert {folder.name for folder in CATALOGS.iterdir() if folder.is_dir()} == set(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_keeps_the_swedish_placeholders(language: str) -> None:
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po)
    differing = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        # Every plural form says the number, as the Swedish "other" form does.
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        if any(sorted(PLACEHOLDER.findall(text)) != wanted for text in strings):
            differing.append(ids[0])
    assert differing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_matches_its_source(language: str) -> None:
    folder = CATALOGS / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    expected = {_key(m.id): _key(m.string) for m in source if m.id and m.string and not m.fuzzy}
    assert {_key(m.id): _key(m.string) for m in compiled if m.id} == expected, (
        "run make translations"
    )


def _key(text: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    """A message id or translation, plural forms as a tuple whichever file it came from."""
    return text if isinstance(text, str) else tuple(text)
