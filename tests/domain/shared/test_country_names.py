"""Country names are the Council of Europe's own, in English and in French, from one data file
with its source; a country the file lacks is named by Babel."""

from __future__ import annotations

from prize import countries


def test_member_states_read_as_the_council_of_europe_names_them():
    assert countries.name("BA", "en") == "Bosnia and Herzegovina"
    assert countries.name("BA", "fr") == "Bosnie-Herzégovine"
    assert countries.name("MD", "en") == "Republic of Moldova"
    assert countries.name("MD", "fr") == "République de Moldova"
    assert countries.name("sk", "fr") == "République slovaque"
    assert countries.name("TR", "fr") == "Türkiye"


def test_every_eligible_country_is_in_the_file_in_both_languages():
    names = countries._council_names()
    missing = [
        (code, language)
        for code in countries.DEFAULT_ELIGIBLE
        for language in ("en", "fr")
        if not names.get((code, language))
    ]
    assert missing == []
    assert "coe.int" in countries.NAMES_FILE.read_text(encoding="utf-8")  # the source is named


def test_a_country_outside_the_file_is_named_by_babel():
    assert countries.name("US", "en") == "United States"
    assert countries.name("US", "fr") == "États-Unis"
