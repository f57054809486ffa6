"""Screening free-text answers: what is masked, what is left alone, and what is flagged."""

import re
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from feedback.moderation_text import screen

# Computed here rather than trusted from memory, so a wrong "valid" example fails loudly.
PERSONNUMMER_IN_TEXT = re.compile(r"(?<![0-9])(?:1[89]|20)?([0-9]{6})[-+ ]?([0-9]{4})(?![0-9])")


def luhn_sum(digits: str) -> int:
    """The Luhn sum of a personnummer's digits, weighted 2, 1, 2, ... from the left."""
    products = (int(digit) * (2 - index % 2) for index, digit in enumerate(digits))
    return sum(product - 9 if product > 9 else product for product in products)


def luhn_valid(ten_digits: str) -> bool:
    return luhn_sum(ten_digits) % 10 == 0


def with_check_digit(nine_digits: str) -> str:
    """Nine digits (YYMMDDNNN) completed with the Luhn check digit."""
    return nine_digits + str(-luhn_sum(nine_digits + "0") % 10)


def valid_personnummer_in(text: str) -> list[str]:
    """Every plausible, Luhn-valid personnummer or samordningsnummer in a text."""
    found = []
    for match in PERSONNUMMER_IN_TEXT.finditer(text):
        birth_date, serial = match.groups()
        month, day = int(birth_date[2:4]), int(birth_date[4:6])
        plausible = 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)
        if plausible and luhn_valid(birth_date + serial):
            found.append(match[0])
    return found


def test_the_known_test_numbers_are_luhn_valid() -> None:
    assert luhn_valid("8112189876")
    assert luhn_valid("1212121212")
    assert luhn_valid("7010632391")  # Skatteverket's samordningsnummer example
    assert not luhn_valid("8112189875")
    assert with_check_digit("811218987") == "8112189876"


VALID = with_check_digit("900101123")  # 900101-123x, computed
SAMORDNING = with_check_digit("900161123")  # day 01 + 60


@pytest.mark.parametrize(
    "text",
    [
        "811218-9876",
        "19811218-9876",
        "8112189876",
        "198112189876",
        "121212+1212",  # "+": the person is over 100
        "811218 9876",
        "811218 - 9876",
        "811218–9876",  # en dash from a phone keyboard
        f"{VALID[:6]}-{VALID[6:]}",
        VALID,
        f"19{VALID}",
        f"{SAMORDNING[:6]}-{SAMORDNING[6:]}",
        SAMORDNING,
        "701063-2391",
        "811218-9875",  # wrong check digit, but the separator makes it unmistakable
        "19811218-9875",
    ],
)
def test_personnummer_is_masked(text: str) -> None:
    screened = screen(f"Han har personnummer {text}, skriv till honom.")
    assert screened.text == "Han har personnummer [personnummer borttaget], skriv till honom."
    assert screened.masked == ("personnummer",)
    assert screened.names_person


@pytest.mark.parametrize(
    "text",
    [
        "070-123 45 67",
        "0701234567",
        "070 123 45 67",
        "08-123 456 78",
        "021-12 34 56",
        "0243-740 00",
        "0243/123 45",
        "070/123 45 67",
        "+46 70 123 45 67",
        "+46701234567",
        "0046701234567",
        "(08) 123 45 67",
        "+46 (0)70-123 45 67",
        "+44 20 7946 0958",
        "+358 40 1234567",
        "+1 555 123 4567",
    ],
)
def test_phone_number_is_masked(text: str) -> None:
    screened = screen(f"Ring mig på {text} om ni vill veta mer.")
    assert screened.text == "Ring mig på [telefonnummer borttaget] om ni vill veta mer."
    assert screened.masked == ("phone",)
    assert screened.names_person


@pytest.mark.parametrize(
    "text",
    [
        "anna.svensson@example.se",
        "kalle+trygg@mail.borlange.se",
        "Åsa_Öberg@exempel.nu",
        "ANNA@EXAMPLE.COM",
    ],
)
def test_email_is_masked(text: str) -> None:
    screened = screen(f"Mejla {text}. Tack!")
    assert screened.text == "Mejla [e-postadress borttagen]. Tack!"
    assert screened.masked == ("email",)
    assert screened.names_person


@pytest.mark.parametrize(
    "text",
    [
        "Storgatan 12",
        "Allfarvägen 61 A",
        "kl 18.00-20.00",
        "kl 08.00–10.00",
        "kl 0800-1700",
        "den 08-12-2019",
        "den 08/12/2019",
        "2019-03-21",
        "år 2019",
        "ring 112",
        "tipsa polisen på 114 14",
        "buss 151",
        "20 personer",
        "1 500 kr",
        "postnummer 784 33",
        "+5 grader",
        "0,5 promille",
        "Borlänge kommun 212000-2262",  # an organisation number: month 20
        "8112189875",  # no separator and a wrong check digit: just a number
        "811318-9876",  # month 13
        "811200-9876",  # day 00
        "08-123 45",  # too short to be a whole phone number
        "anna at example dot se",
        "@polisen",
    ],
)
def test_ordinary_text_and_numbers_are_left_alone(text: str) -> None:
    screened = screen(text)
    assert screened.text == text
    assert screened.masked == ()
    assert not screened.names_person


def test_kinds_are_listed_in_the_order_they_stand() -> None:
    screened = screen("Mejl anna@example.se, tel 070-123 45 67, pnr 811218-9876, mejl b@c.se")
    assert screened.text == (
        "Mejl [e-postadress borttagen], tel [telefonnummer borttaget], "
        "pnr [personnummer borttaget], mejl [e-postadress borttagen]"
    )
    assert screened.masked == ("email", "phone", "personnummer", "email")


def test_a_personnummer_inside_an_address_is_masked_once_as_an_address() -> None:
    assert screen("8112189876@example.se").masked == ("email",)


def test_a_count_after_a_phone_number_stays() -> None:
    assert screen("ring 070-123 45 67 20 gånger").text == "ring [telefonnummer borttaget] 20 gånger"


def test_two_phone_numbers_one_space_apart_are_both_masked() -> None:
    screened = screen("0701234567 08-123 456 78")
    assert screened.text == "[telefonnummer borttaget] [telefonnummer borttaget]"


def test_a_070_number_that_passes_luhn_is_still_masked() -> None:
    # 0701234567 with another last digit is also a plausible personnummer from 2007; either
    # way nothing of it may remain.
    number = with_check_digit("070123456")
    screened = screen(f"ring {number}")
    assert screened.text == "ring [personnummer borttaget]"


def test_addresses_that_touch_are_all_masked() -> None:
    assert screen("a@b.se_c@d.se").masked == ("email", "email")


@pytest.mark.parametrize(
    "text",
    [
        "Någon langar knark vid Tempo varje kväll.",
        "Det säljs droger bakom skolan.",
        "De säljer narkotika i tunneln.",
        "Min cykel blev stulen förra veckan.",
        "Cykelstölder hela tiden vid stationen.",
        "De stjäl från bilarna.",
        "Det var inbrott i källaren.",
        "Han misshandlade en kille i parken.",
        "Jag blev rånad på väg hem.",
        "Två mobilrån i vintras.",
        "De hotade min son.",
        "Jag blev hotad av ett gäng.",
        "Killen hade en kniv.",
        "De bär vapen.",
        "Det sköt utanför Kupolen.",
        "Skottlossning i området i somras.",
        "Någon skjuter med luftgevär.",
        "De tafsar på tjejerna.",
        "Sexuellt ofredande vid busshållplatsen.",
        "En våldtäkt i parken förra året.",
        "Någon bröt sig in i förrådet.",
        "STÖLD av mopeder.",
        "Knarklangare vid Ängsplan.",
    ],
)
def test_crime_reports_are_flagged(text: str) -> None:
    assert screen(text).reports_crime


@pytest.mark.parametrize(
    "text",
    [
        "Mörkt vid hotellet och dålig belysning.",
        "Långt från bussen på kvällen.",
        "Någon har lämnat en skottkärra på gångvägen.",
        "Det är knivigt att hitta hem.",
        "Containrarna kan stjälpa i blåsten.",
        "Slangar ligger över cykelbanan.",
        "Jag behöver skjuts hem efter mötet.",
        "Mycket klotter och skadegörelse på väggarna.",
        "Nedskräpning och mopeder som kör för fort.",
        "Drogpåverkade personer utomhus.",
        "Fler vuxna ute på kvällarna.",
    ],
)
def test_nuisances_and_harmless_words_are_not_flagged_as_crime(text: str) -> None:
    assert not screen(text).reports_crime


@pytest.mark.parametrize(
    "text",
    [
        "Jag är rädd för Ahmed Hassan.",
        "Vid Tempo står Anna Svensson varje kväll.",
        "Ahmed Hassan säljer knark.",
        "Det är Anna-Karin Berg som bråkar.",
        "Det är en kille, han som heter kalle.",
        "Det är en kille som heter Kalle.",
        "Grannen Kalle spelar hög musik.",
        "Det är Kalle på Storgatan 5 som stör.",
        "Det är Kalle som bor på Storgatan 5.",
    ],
)
def test_named_people_are_flagged(text: str) -> None:
    assert screen(text).names_person


@pytest.mark.parametrize(
    "text",
    [
        "Jag känner mig otrygg i Tjärna Ängar och vid Tunets IP.",
        "Mörkt vid Hagalund, Domnarvet och Kvarnsveden.",
        "Mellan Bullermyren och Årby är det mörkt.",
        "Vid Tempo på Hagavägen 19.",
        "Utanför ICA i Ornäs och vid Kulturhuset.",
        "Romme Alpin och Borlänge Centrum på kvällen.",
        "Parkeringen vid Nygårdsskolan i Jakobsgårdarna.",
        "Idkerberget, Dalarna: ingen belysning.",
        "Mörkt vid Årbygårdens förskola och Domnarvets skola.",
        "Jag bor på Storgatan 5.",
        "Vid Kupolen. Under Bron. Efter Tempo.",
        "Mörkt. Bättre belysning behövs. Fler vuxna ute.",
        "Grannen är snäll.",
        "JAG KÄNNER MIG OTRYGG VID ICA",
    ],
)
def test_places_and_sentence_starts_are_not_flagged_as_names(text: str) -> None:
    assert not screen(text).names_person


def test_an_already_masked_text_still_names_a_person() -> None:
    assert screen("ring [telefonnummer borttaget]").names_person


NUMBERISH = st.text(alphabet="0123456789 -+()@._aZåÖ\n", max_size=60)


@given(st.text() | NUMBERISH)
@example("a@b.se_c@d.se")
@example("811218-9876811218-9876")
def test_screening_never_raises_and_is_idempotent(text: str) -> None:
    once = screen(text)
    twice = screen(once.text)
    assert twice.text == once.text
    assert twice.masked == ()
    assert (twice.reports_crime, twice.names_person) == (once.reports_crime, once.names_person)


@given(
    st.text() | NUMBERISH,
    st.text() | NUMBERISH,
    st.sampled_from(["", "19", "20"]),
    st.dates(),
    st.integers(0, 999),
    st.sampled_from(["", "-", "+", " "]),
    st.booleans(),
)
def test_masked_text_holds_no_valid_personnummer(
    before: str,
    after: str,
    century: str,
    born: date,
    serial: int,
    separator: str,
    coordination: bool,
) -> None:
    birth_date = born.strftime("%y%m%d")
    if coordination:
        birth_date = birth_date[:4] + f"{born.day + 60:02d}"
    number = with_check_digit(f"{birth_date}{serial:03d}")
    text = f"{before}{century}{number[:6]}{separator}{number[6:]}{after}"
    assert valid_personnummer_in(screen(text).text) == []


# A labelled set written for measuring, not for tuning the rules: sentences a resident might
# write that name someone, and sentences that name nobody (capitalised places, shops and
# sentence starts). Precision is what a coordinator feels: a flag that cries wolf is ignored.
NAMING = [
    "Mohammed och hans kompisar står utanför Willys varje kväll.",
    "Det är alltid Johan Lindqvist som kör moped på gångvägen.",
    "Killen som heter Erik säljer hasch bakom skolan.",
    "Min granne Lisa har blivit hotad två gånger.",
    "Sara Nilsson i trappuppgång B spelar musik hela natten.",
    "Vi vet att Peter på Hagavägen 12 langar.",
    "Han som heter Ali brukar bråka vid busshållplatsen.",
    "Tjejen Amira blev rånad förra veckan.",
    "Fråga Göran Persson på fritidsgården, han vet vilka det är.",
    "Det är Kevin och Dennis som kastar sten på bussarna.",
    "Pojken Noah cyklar på trottoaren och skrämmer äldre.",
    "Familjen Andersson på Storgatan 7 har hund som skäller.",
    "Jag har sett Fatima Ali ta bilder på barnen.",
    "Mannen Stefan dricker öl i lekparken varje dag.",
    "Knarket säljs av en som kallas Lillen.",
    "Ring inte polisen, prata med Ove Sundberg istället.",
    "Hassan som bor i huset vid Tempo 3 stör alla.",
    "Anders Berg och hans gäng är problemet.",
    "Dottern Ella vågar inte gå hem ensam längre.",
    "Vi är rädda för Marko Petrović.",
]
NAMING_NOBODY = [
    "Belysningen vid Tempo är trasig sedan i höstas.",
    "Bilarna kör alldeles för fort på Hagavägen.",
    "Ungdomar samlas vid Kupolen på fredagskvällarna.",
    "Gör något åt klottret i gångtunneln.",
    "Tack för att ni kommer ut och lyssnar!",
    "Fler poliser på helgerna skulle hjälpa.",
    "Buskarna vid Nygårdsskolan borde klippas.",
    "Parkeringen bakom Coop är mörk och otäck.",
    "Efter tio på kvällen känns det otryggt vid Resecentrum.",
    "Mer belysning. Fler vuxna ute. Bättre busstider.",
    "Skolan och fritidsgården behöver mer personal.",
    "Narkotikahandeln har ökat sedan sommaren.",
    "Nej, jag känner mig trygg här.",
    "Bra initiativ, fortsätt så.",
    "Dalälven, strandpromenaden: ingen belysning alls.",
    "Kommunen lovade nya lampor men inget har hänt.",
    "Mopeder på cykelbanan hela sommaren.",
    "Hemköp och Systembolaget drar folk som dricker ute.",
    "Trafiken vid Borlänge Centrum är farlig för barn.",
    "Vårt område har blivit lugnare i år.",
    "Onsdagar och fredagar är värst.",
    "Fotbollsplanen är full av glas efter helgerna.",
]


def test_the_names_a_person_flag_is_precise_on_a_labelled_set() -> None:
    flagged = [t for t in NAMING if screen(t).names_person]
    wrongly = [t for t in NAMING_NOBODY if screen(t).names_person]
    precision = len(flagged) / (len(flagged) + len(wrongly))
    recall = len(flagged) / len(NAMING)
    print(f"names a person: precision {precision:.2f}, recall {recall:.2f}")
    assert wrongly == [] and precision == 1.0  # measured: 17 of 20 flagged, 0 of 22 wrongly
    assert recall >= 0.8  # a lone first name without "heter", "grannen" etc. goes unflagged
