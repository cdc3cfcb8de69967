"""English and French ship together: every message id in the code and templates is translated."""

from __future__ import annotations

from prize import catalogue, i18n


def test_french_catalogue_translates_every_message():
    assert catalogue.missing_from("fr") == []


def test_french_translations_keep_their_parameters():
    """A translation that drops or renames a %(name)s parameter would crash or mislead."""
    import re

    problems = []
    for message in catalogue.load("fr"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[0]))
        for text in strings:
            if set(re.findall(r"%\((\w+)\)s", text)) - wanted - {"num"}:
                problems.append(ids[0])
    assert problems == []


def test_accept_language_negotiation():
    assert i18n.negotiate("fr-CH, fr;q=0.9, en;q=0.8", "en") == "fr"
    assert i18n.negotiate("de-DE,de;q=0.9", "en") == "en"
    assert i18n.negotiate("de, en;q=0.5, fr;q=0.7", "en") == "fr"
    assert i18n.negotiate("", "fr") == "fr"
