"""Text the secretariat types in French is typeset on display: the ordinary space before
« : ; ? ! » and inside « » becomes a no-break space; English text is left as typed."""

from __future__ import annotations

from types import SimpleNamespace

from prize.formats import NBSP, typeset
from prize.templating import make_environment


def test_french_spaces_become_no_break_spaces():
    typed = "Appel 2027 : qui peut candidater ? Les projets « jeunes » ; voilà !"
    assert typeset(typed, "fr") == (
        f"Appel 2027{NBSP}: qui peut candidater{NBSP}? Les projets «{NBSP}jeunes{NBSP}»"
        f"{NBSP}; voilà{NBSP}!"
    )


def test_english_and_addresses_are_left_as_typed():
    assert typeset("Deadline : soon ?", "en") == "Deadline : soon ?"
    assert typeset("Voir https://example.org:8000/appel", "fr") == (
        "Voir https://example.org:8000/appel"
    )


def test_an_editions_french_title_is_typeset_on_a_french_page():
    edition = SimpleNamespace(title_en="Call: 2027", title_fr="Appel : 2027")
    template = make_environment().from_string('{{ localised(edition, "title") }}')
    assert template.render(lang="fr", edition=edition) == f"Appel{NBSP}: 2027"
    assert template.render(lang="en", edition=edition) == "Call: 2027"
