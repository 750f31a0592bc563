"""The residents' result cards: every data string escaped, data isolated, links checked, names on links."""

from __future__ import annotations

import re

import pytest

from solidarity.cards import centre_card, result_card
from solidarity.i18n import set_language
from solidarity.nearby import Hit

HOSTILE = {
    "id": "h1",
    "name": "<img src=x onerror=alert(1)>Beeld",
    "description": "<script>alert(2)</script> ${alert(3)} `tick` {{ 7*7 }}",
    "solidarity_type": "direct",
    "category": "food",
    "address": "<b>Vette</b> straat 1",
    "postcode": "2020",
    "opening_hours": "<img src=x onerror=alert(4)>",
    "languages": "nl;<script>",
    "website": "javascript:alert(5)",
    "email": "a@b.be\"><script>",
    "phone": "+32 <b>3</b> 123",
    "wheelchair": "yes",
    "location_precision": "approximate",
}


def hit(row: dict, rank: int = 1) -> Hit:
    return Hit(rank, row["id"], row["name"], "initiative", 51.19, 4.39, 100.0, 130.0, 2, row=row)


@pytest.fixture(autouse=True)
def language():
    yield
    set_language("nl")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_hostile_data_is_text_in_a_card(lang: str) -> None:
    set_language(lang)
    card = result_card(hit(HOSTILE), lang, (51.19, 4.39))
    for raw in ("<img", "<script", "<b>", 'href="javascript'):
        assert raw not in card, raw
    assert "&lt;img src=x onerror=alert(1)&gt;Beeld" in card
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in card
    hrefs = re.findall(r'href="([^"]*)"', card)
    assert hrefs and all(h.startswith(("https://www.openstreetmap.org/", "tel:+32", "mailto:")) for h in hrefs), hrefs
    assert "tel:+323123" in hrefs, "the phone link is made of its digits only"
    assert not any(h.startswith("mailto:") for h in hrefs), "an e-mail address with markup gets no link"


def test_data_in_another_language_is_isolated_and_marked() -> None:
    set_language("ar")
    row = HOSTILE | {"name": "Buurttuin", "description": "Samen tuinieren.", "website": "https://example.org"}
    card = result_card(hit(row), "ar", (51.19, 4.39))
    assert card.startswith('<article class="sm-card" dir="rtl"')
    assert '<p dir="auto" lang="nl">Samen tuinieren.</p>' in card, "the Dutch description keeps its full stop at its end"
    assert '<bdi lang="nl">Buurttuin</bdi>' in card


def test_a_translated_description_is_shown_in_the_language() -> None:
    set_language("en")
    row = HOSTILE | {"description": "Samen tuinieren.", "description_en": "Gardening together."}
    card = result_card(hit(row), "en", (51.19, 4.39))
    assert '<p dir="auto" lang="en">Gardening together.</p>' in card


def test_every_link_has_its_own_accessible_name() -> None:
    set_language("en")
    row = HOSTILE | {"name": "Buurttuin", "website": "https://example.org/tuin", "email": "tuin@example.org"}
    card = result_card(hit(row), "en", (51.19, 4.39))
    labels = re.findall(r'aria-label="([^"]+)"', card)
    assert labels == ["Walking route to Buurttuin", "Call Buurttuin", "E-mail Buurttuin", "Website of Buurttuin"]
    assert 'target="_blank" rel="noopener noreferrer"' in card


def test_the_centre_card() -> None:
    set_language("en")
    centre = Hit(0, "c1", "Buurtwerk <i>X</i>", "centre", 51.2, 4.4, 0.0, 4.0, 1,
                 row={"address": "", "location_precision": "approximate"})  # fmt: skip
    card = centre_card(centre, "en", (51.2, 4.4))
    assert "Buurtwerk &lt;i&gt;X&lt;/i&gt;" in card and "Right here" in card and "Approximate location" in card
    assert 'aria-label="Walking route to Buurtwerk &lt;i&gt;X&lt;/i&gt;"' in card
