"""Numbers as the reader writes them, never silently changed; refusals named and in page order."""

from __future__ import annotations

import pytest

from prize.domain.applicants.drafts import PAGE_ORDER
from prize.forms.application import in_page_order, whole_number
from prize.i18n import Message, gettext


@pytest.mark.parametrize(
    ("typed", "language", "read"),
    [
        ("120", "en", 120),
        ("1,200", "en", 1200),
        ("1 200", "en", 1200),
        ("1\u202f200", "fr", 1200),
        ("1\u00a0200", "fr", 1200),
        ("1 234 567", "fr", 1234567),
        ("12.5", "en", None),
        ("2.5", "en", None),
        ("2,5", "en", None),
        ("2,5", "fr", None),
        ("1,200", "fr", None),  # a French comma marks decimals
        ("1.200", "en", None),
        ("12,34", "en", None),
        ("1,2345", "en", None),
        ("-3", "en", None),
        ("٣", "en", None),  # a digit, but not one the form asks for
        ("forty", "en", None),
    ],
)
def test_a_whole_number_is_read_as_the_reader_writes_it_or_refused(typed, language, read):
    assert whole_number(typed, language) == read


def test_refusals_come_once_per_field_in_the_page_order():
    merged = in_page_order(
        {"adults": Message("adults, format"), "title": Message("title, format")},
        [("organisation", Message("organisation, missing")), ("adults", Message("missing"))],
        {"goals": Message("goals, word limit")},
    )
    assert list(merged) == ["title", "organisation", "adults", "goals"]
    assert merged["adults"].msgid == "adults, format"  # the format error before its "missing"


def test_the_page_order_follows_the_form_from_title_to_consents():
    assert PAGE_ORDER[:3] == ("title", "organisation", "country_main")
    assert PAGE_ORDER.index("website") < PAGE_ORDER.index("goals") < PAGE_ORDER.index("link_1")
    assert PAGE_ORDER[-1] == "consent_summary"


def test_a_word_limit_message_names_its_field_in_the_readers_language():
    from prize.domain.applicants.drafts import word_limit_message

    message = word_limit_message("summary", "mot " * 1200)
    assert message is not None
    assert (
        gettext("en", message)
        == "Summary of the project must be 1,000 words or fewer; yours has 1,200."
    )
    assert gettext("fr", message) == (
        "Résumé du projet\u00a0: 1\u202f000 mots au plus\u00a0; votre texte en compte 1\u202f200."
    )
    assert word_limit_message("summary", "mot " * 1000) is None
