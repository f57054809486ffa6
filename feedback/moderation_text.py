"""Screen a resident's free-text answer as it arrives: mask personal data, flag what needs a look.

The survey is anonymous, but free text can still identify someone or report a crime (GDPR Art.
10). Identity numbers, phone numbers and e-mail addresses are replaced by a Swedish placeholder
before the answer is stored. Crime reports and named people are only *flagged*, so that a
reviewer reads those answers first; the flags are simple, explainable heuristics, not verdicts.
"""

import re
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

PLACEHOLDERS = {
    "personnummer": "[personnummer borttaget]",
    "phone": "[telefonnummer borttaget]",
    "email": "[e-postadress borttagen]",
}


@dataclass(frozen=True)
class Screened:
    """A free-text answer after screening: the masked text and what the reviewer should know."""

    text: str
    masked: tuple[str, ...]  # "personnummer", "phone", "email", in the order found
    reports_crime: bool
    names_person: bool


class _Span(NamedTuple):
    """Where personal data of one kind stands in a text."""

    start: int
    end: int
    kind: str


# --- Masking ----------------------------------------------------------------------------------

# [0-9] rather than \d throughout: \d also accepts other scripts' digits, which no Swedish number
# uses. Day 61–91 is a samordningsnummer (day + 60).
_PERSONNUMMER = re.compile(
    r"(?<![0-9])"
    r"(?:1[89]|20)?"
    r"(?P<date>[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01]))"
    r"(?P<separator>[ \u00a0]?[-+–][ \u00a0]?|[ \u00a0])?"
    r"(?P<serial>[0-9]{4})"
    r"(?![0-9])"
)
# Local part, "@", dot-separated labels and a top-level domain of letters. The look-behind makes
# a match start where the address starts, so a long word without "@" is scanned once, not
# once per letter.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# A candidate is a run of digit groups that starts like a phone number ("+", "00", "0" or
# "(08)"); _phone_end then decides how much of it, if any, is one. Groups are split by a single
# space, hyphen or the older slash (0243/123 45) only, so "18.00" and "08.00–10.00" never join
# into one number. The look-behind keeps a candidate from starting in the middle of a word or
# another number. No number is written in more than seven groups (+46 (0)70 123 45 67 has
# five); the bound keeps a long run of spaced digits from being re-read from every group.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+])(?:\+[1-9]|\(0[1-9][0-9]{0,3}\)|0)[0-9]*"
    r"(?:(?:[ \u00a0/-]|[ \u00a0]?\(0\)[ \u00a0]?)[0-9]+){0,6}"
)
_DIGIT_RUN = re.compile(r"[0-9]+")
_NON_DIGIT = re.compile(r"[^0-9]+")
# Times and dates that begin with 0 and have enough digits to pass for a phone number.
_NOT_A_PHONE = re.compile(
    r"[0-2][0-9][0-5][0-9][-/][0-2][0-9][0-5][0-9]"  # kl 0800-1700
    r"|(?:0[1-9]|[12][0-9]|3[01])([-/])(?:0[1-9]|1[0-2])\1(?:19|20)[0-9]{2}"  # 08-12-2019
)
_SWEDISH_DIGITS = range(7, 10)  # after +46, without the trunk 0: 8-123 456 to 70-123 45 67
_NATIONAL_DIGITS = range(8, 11)  # with the trunk 0: 0243-123 45 to 070-123 45 67
_INTERNATIONAL_DIGITS = range(8, 16)  # country code included; E.164 allows at most 15


def _luhn_valid(digits: str) -> bool:
    """Whether a personnummer's ten digits (YYMMDDNNNN) pass the Luhn check."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 - index % 2)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def _personnummer(text: str) -> Iterator[_Span]:
    """Identity and coordination numbers, checked by Luhn or written unmistakably with - or +."""
    for match in _PERSONNUMMER.finditer(text):
        separator = (match["separator"] or "").strip()
        # A typo in the check digit leaves a number that still identifies someone, but only the
        # separator makes a ten-digit run unmistakable; without one, Luhn must agree.
        if separator or _luhn_valid(match["date"] + match["serial"]):
            yield _Span(match.start(), match.end(), "personnummer")


def _is_phone(candidate: str) -> bool:
    """Whether a digit run written like a phone number has a phone number's length."""
    digits = _NON_DIGIT.sub("", candidate)
    if candidate.startswith("+") or digits.startswith("00"):
        international = digits.removeprefix("00")
        if international.startswith("46"):
            # +46 (0)70 ...: the trunk zero is sometimes written after the country code.
            return len(international[2:].removeprefix("0")) in _SWEDISH_DIGITS
        return len(international) in _INTERNATIONAL_DIGITS
    return len(digits) in _NATIONAL_DIGITS and not _NOT_A_PHONE.fullmatch(candidate)


def _phone_end(candidate: re.Match[str]) -> int | None:
    """Where the longest phone number at the start of a candidate ends, if there is one."""
    # Two numbers or a number and a count can stand one space apart ("070-123 45 67 20 ggr"),
    # so try the candidate cut after each digit group, longest first.
    ends = [run.end() for run in _DIGIT_RUN.finditer(candidate[0])]
    for end in reversed(ends):
        if _is_phone(candidate[0][:end]):
            return candidate.start() + end
    return None


def _phones(text: str) -> Iterator[_Span]:
    """Swedish and international phone numbers; 112, 114 14 and other short numbers are not."""
    position = 0
    while candidate := _PHONE_CANDIDATE.search(text, position):
        end = _phone_end(candidate)
        if end is None:
            # Look again from the next digit group: a phone number may start inside the run.
            first_group = _DIGIT_RUN.search(text, candidate.start())
            position = first_group.end() if first_group else candidate.end()
        else:
            yield _Span(candidate.start(), end, "phone")
            position = end


def _emails(text: str) -> Iterator[_Span]:
    """E-mail addresses."""
    for match in _EMAIL.finditer(text):
        yield _Span(match.start(), match.end(), "email")


def _personal_data(text: str) -> list[_Span]:
    """Everything to mask, in text order, without overlaps."""
    spans: list[_Span] = []  # sorted and disjoint, so only the neighbours can overlap
    # The order settles overlaps: an address may contain digits, and a 070 number that passes
    # Luhn cannot be told from a personnummer, so the more identifying kind wins.
    for found in (*_emails(text), *_personnummer(text), *_phones(text)):
        index = bisect(spans, found)
        if (index == 0 or spans[index - 1].end <= found.start) and (
            index == len(spans) or found.end <= spans[index].start
        ):
            spans.insert(index, found)
    return spans


def _mask(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with personal data replaced by placeholders, and the kinds replaced."""
    kinds: list[str] = []
    # One pass can reveal more: "a@b.se_c@d.se" only shows its second address once the first
    # is gone. Each pass removes an "@" or several digits, and placeholders hold neither, so
    # this ends, and screening the result again changes nothing.
    while spans := _personal_data(text):
        pieces: list[str] = []
        position = 0
        for span in spans:
            pieces += [text[position : span.start], PLACEHOLDERS[span.kind]]
            position = span.end
        text = "".join([*pieces, text[position:]])
        kinds += [span.kind for span in spans]
    return text, tuple(kinds)


# --- Flag: seems to report a crime ------------------------------------------------------------

# Crimes against persons and property, and drug dealing. Nuisances such as klotter, nedskräpning
# and skadegörelse are what the survey asks about, so they are not flagged.
_CRIME = re.compile(
    # Stems that also stand inside compounds: cykelstöld, bilinbrott, knarklangare, knivhot.
    r"stöld|stölder|inbrott|misshand|knark|narkotika|ofredande|våldsbrott"
    r"|våldt(?:äkt|og|ag)|överf(?:all|öll)|kniv(?!ig)|vap(?:en|net|nen)"
    # Whole words with their endings listed, because the bare stem starts other words:
    # stjälpa, slangar, från, hotell, skjuts (a lift), skottår, skottkärra.
    r"|\b(?:"
    r"stjäl(?:a|er|s)?|stal|stul(?:it|its|en|na)|snatt(?:a|ar|ade|at|are|eri|erier)"
    r"|lang(?:a|ar|ade|at|are|arna|ning)"
    r"|(?:mobil|person|butiks|bank|väsk|gatu)?rån(?:a|ar|ad|ade|at|are|arna|aren|et|en|försök)?"
    r"|(?:kniv|döds|vålds)?hot(?:a|ar|ad|ade|at|ats|et|en|full|fullt|fulla|else|elser|elsen)?"
    r"|skjut(?:a|er|it|ning|ningar|ningen|ningarna)|sköt|skott(?:et|en|lossning\w*)?"
    r"|tafs(?:a|ar|ade|at|are|ande)?|våld|våldet"
    r"|mord(?:et|en|försök)?|mörda(?:r|de|t|re|ren|rna)?"
    r"|(?:bryter|bröt|brutit|bryta)\s+sig\s+in"
    r"|(?:säljer|sålde|säljs|langar|langade)\s+(?:\w+\s+)?"
    r"(?:droger|knark|narkotika|hasch|gräs|kokain|tabletter|piller)"
    r")\b",
    re.IGNORECASE,
)


# --- Flag: seems to name a person -------------------------------------------------------------

# Capitalised words that are places or organisations, not people: the Borlänge districts and
# meeting places, and names residents are likely to mention beside them.
_PLACE_NAMES = (
    "Hagalund", "Domnarvet", "Kvarnsveden", "Bullermyren", "Tjärna Ängar", "Årby", "Romme",
    "Jakobsgårdarna", "Ornäs", "Idkerberget", "Borlänge", "Dalarna", "Tunets IP", "ICA", "Tempo",
    "Kulturhuset", "Nygårdsskolan", "Kvarnforsplan", "Romme Alpin", "Kupolen", "Coop", "Willys",
    "Lidl", "Hemköp", "Systembolaget", "Pressbyrån", "Max", "Burger King", "Resecentrum",
    "Centrum", "Sverige", "Stockholm", "Falun", "Dalälven", "Polisen", "Kommunen", "Gamla Stan",
)  # fmt: skip
_PLACE_WORDS = frozenset(word.casefold() for name in _PLACE_NAMES for word in name.split())
# Endings of street and place names (Hagavägen, Ängsplan, Årbygårdens förskola). Endings that
# are also common in surnames (-berg, -lund, -ström) are left out on purpose.
_PLACE_ENDINGS = (
    "gatan", "vägen", "gränd", "gränden", "stigen", "torget", "torg", "plan", "planen", "parken",
    "backen", "allén", "skolan", "gården", "gårdarna", "huset", "hallen", "badet", "kyrkan",
    "stationen", "centrum", "platsen", "området", "ängar", "myren", "berget", "skogen", "sjön",
    "viken", "dalen", "bron", "tunneln", "leden", "gärdet",
)  # fmt: skip
# Words that open Swedish sentences, mostly before a place ("Vid Kupolen", "I Hagalund"). When
# a sentence opens with two capitalised words, neither of them a place and the first none of
# these, it most likely opens with a name ("Ahmed Hassan säljer ...").
_SENTENCE_OPENERS = frozenset((
    "i", "på", "vid", "till", "från", "mot", "med", "utan", "under", "över", "efter", "före",
    "innan", "bakom", "framför", "bredvid", "nära", "utanför", "innanför", "kring", "runt",
    "mellan", "genom", "längs", "hos", "om", "när", "där", "här", "jag", "vi", "man", "det",
    "den", "de", "en", "ett", "och", "men", "eller", "alla", "speciellt", "särskilt", "främst",
    "framförallt", "typ", "kanske", "ja", "nej", "hej",
))  # fmt: skip
_SENTENCE_ENDS = ".!?:;…\n\r•"
_OPENING_MARKS = " \t\u00a0\"'“”«»("

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_NAME_PHRASE = re.compile(
    r"\b(?:han|hon|hen)\s+som\s+heter\b"
    r"|\b(?:heter|kallas|kallad)\s+(?P<called>[^\W\d_]+(?:-[^\W\d_]+)*)"
    r"|\b(?:grann(?:e|en|ens)|kompisen|killen|tjejen|mannen|kvinnan|pojken|flickan|sonen"
    r"|dottern|pappan|mamman)\s+(?P<related>[^\W\d_]+(?:-[^\W\d_]+)*)",
    re.IGNORECASE,
)
# "Kalle på Storgatan 5": one capitalised word, then where that person lives or stays.
_NAME_AT_ADDRESS = re.compile(
    r"(?<![\w-])(?P<name>[^\W\d_]+(?:-[^\W\d_]+)*)\s+(?:(?:som\s+)?bor\s+)?(?:på|vid|i)\s+"
    r"[^\W\d_]+(?:\s+[^\W\d_]+)?\s+[0-9]{1,4}(?![0-9])"
)
_PLACEHOLDER = re.compile("|".join(re.escape(text) for text in PLACEHOLDERS.values()))


def _is_place(word: str) -> bool:
    """Whether a capitalised word is a known place or reads like a street or place name."""
    folded = word.casefold()
    # Also without a final s, for the genitive: Borlänges, Årbygårdens förskola.
    return any(
        form in _PLACE_WORDS or form.endswith(_PLACE_ENDINGS)
        for form in (folded, folded.removesuffix("s"))
    )


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at start opens the text, a sentence or a line."""
    while start > 0 and text[start - 1] in _OPENING_MARKS:
        start -= 1
    return start == 0 or text[start - 1] in _SENTENCE_ENDS


def _looks_like_name(word: str) -> bool:
    """Whether a word is capitalised like a name (Anna, Anna-Karin) and is no known place."""
    # All-caps words are shouting or acronyms (ICA, IP), not names.
    return len(word) > 1 and word.istitle() and not _is_place(word)


def _could_be_name(text: str, word: re.Match[str], group: int | str = 0) -> bool:
    """Whether a matched word looks like a name and does not open a sentence."""
    # Every sentence starts with a capital, so there a capital says nothing.
    return _looks_like_name(word[group]) and not _starts_sentence(text, word.start(group))


def _names_person(text: str) -> bool:
    """Whether the text seems to name a person, or had personal data masked."""
    # A placeholder means personal data stood there, so re-screening a masked text agrees.
    if _PLACEHOLDER.search(text):
        return True
    for match in _NAME_PHRASE.finditer(text):
        # "han som heter" names someone by itself; the other phrases need a name after them.
        if match.lastgroup is None or _could_be_name(text, match, match.lastgroup):
            return True
    if any(_could_be_name(text, match, "name") for match in _NAME_AT_ADDRESS.finditer(text)):
        return True
    # First name and surname: two such words one space apart (Anna Svensson).
    return any(
        text[first.end() : second.start()] in (" ", "\u00a0")
        and _looks_like_name(first[0])
        and _looks_like_name(second[0])
        and (
            not _starts_sentence(text, first.start())
            or first[0].casefold() not in _SENTENCE_OPENERS
        )
        for first, second in pairwise(_WORD.finditer(text))
    )


def screen(text: str) -> Screened:
    """Mask identity numbers, phone numbers and e-mail addresses; flag crime reports and names."""
    masked_text, kinds = _mask(text)
    # Flags are read from the masked text, which is what the reviewer sees.
    return Screened(
        text=masked_text,
        masked=kinds,
        reports_crime=_CRIME.search(masked_text) is not None,
        names_person=_names_person(masked_text),
    )
