"""Dates, times and numbers as people read them (prize/formats.py): day first, in words, 24-hour,
no seconds, no numeric day/month, no UTC offset; a deadline as the last minute it allows."""

from __future__ import annotations

import json
import re
import zoneinfo
from datetime import UTC, date, datetime
from pathlib import Path

import babel
from babel.dates import get_timezone_location

from prize import formats, i18n, storage
from prize.domain.editions import editions
from prize.forms.edition import parse_deadline, to_paris_input
from prize.i18n import Message, Plural
from prize.models import Edition, EditionState

ZONES_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "zones.js"
LANGS = ("en", "fr")
MIDNIGHT_IN_PARIS = datetime(2027, 4, 5, 22, 0, tzinfo=UTC)  # 00:00 on Tuesday 6 April (CEST)


def test_a_deadline_reads_as_the_last_minute_it_allows_in_both_languages() -> None:
    # The issue's own examples: what an applicant in 55 countries must not misread.
    assert formats.deadline(MIDNIGHT_IN_PARIS, "en") == "Monday 5 April 2027, 23:59 Paris time"
    assert formats.deadline(MIDNIGHT_IN_PARIS, "fr") == (
        "lundi 5 avril 2027 à 23\u00a0h\u00a059 (heure de Paris)"
    )
    assert formats.iso_deadline(MIDNIGHT_IN_PARIS) == "2027-04-05T21:59Z"


def test_the_other_styles_are_day_first_in_words_on_a_24_hour_clock() -> None:
    afternoon = datetime(2027, 4, 5, 12, 3, 38, 123456, tzinfo=UTC)  # 14:03:38 in Paris
    assert formats.date_time(afternoon, "en") == "Monday 5 April 2027, 14:03 Paris time"
    assert formats.short(afternoon, "en") == "5 Apr 2027, 14:03"
    assert formats.short(afternoon, "fr") == "5 avr. 2027 à 14\u00a0h\u00a003"
    assert formats.day(afternoon, "en") == "5 April 2027"
    assert formats.day(date(2016, 11, 16), "fr") == "16 novembre 2016"
    assert formats.clock(datetime(2027, 1, 5, 8, 5, tzinfo=UTC), "en") == "09:05"
    assert formats.clock(datetime(2027, 1, 5, 8, 5, tzinfo=UTC), "fr") == "9\u00a0h\u00a005"
    assert formats.iso(afternoon) == "2027-04-05T12:03:38.123Z"  # HTML allows 3 digits at most
    assert formats.iso(datetime(2027, 4, 5, 12, 3, tzinfo=UTC)) == "2027-04-05T12:03Z"
    assert formats.spreadsheet(afternoon) == "2027-04-05 14:03"  # year first, Paris time


def test_relative_times_say_how_far_in_the_readers_words() -> None:
    now = datetime(2027, 3, 1, 10, tzinfo=UTC)
    assert formats.relative(datetime(2027, 7, 1, tzinfo=UTC), now, "en") == "in 4 months"
    assert formats.relative(datetime(2027, 2, 15, tzinfo=UTC), now, "fr") == "il y a 2 semaines"
    assert formats.left(datetime(2027, 3, 15, 10, tzinfo=UTC), now, "en") == "2 weeks"


def test_a_deadline_typed_as_its_last_minute_closes_the_call_at_the_next_minute() -> None:
    end = parse_deadline("2027-04-05T23:59")  # what the edition form takes
    assert end == MIDNIGHT_IN_PARIS
    assert to_paris_input(end, deadline=True) == "2027-04-05T23:59"  # shown back as typed
    call = Edition(
        year=2027,
        title_en="Call",
        state=EditionState.open,
        opens_at=datetime(2027, 1, 1, tzinfo=UTC),
        deadline=end,
    )
    last_second = datetime(2027, 4, 5, 21, 59, 59, 999999, tzinfo=UTC)  # 23:59:59.999 in Paris
    assert editions.accepts_applications(call, last_second)
    assert not editions.accepts_applications(call, end)  # 00:00 on 6 April: closed


def test_the_end_of_a_paris_day_follows_the_clock_changes() -> None:
    assert formats.end_of_day(date(2027, 3, 27)) == datetime(2027, 3, 27, 23, tzinfo=UTC)  # CET
    assert formats.end_of_day(date(2027, 3, 28)) == datetime(2027, 3, 28, 22, tzinfo=UTC)  # CEST
    assert formats.deadline(formats.end_of_day(date(2027, 3, 28)), "en") == (
        formats.date_time(datetime(2027, 3, 28, 21, 59, tzinfo=UTC), "en")
    )
    assert "23:59" in formats.deadline(formats.end_of_day(date(2027, 10, 31)), "en")


def test_an_instant_in_a_message_takes_the_style_it_was_given() -> None:
    message = Message("Until %(when)s.", {"when": formats.When(MIDNIGHT_IN_PARIS, "deadline")})
    assert i18n.gettext("fr", message) == (
        "Until " + formats.deadline(MIDNIGHT_IN_PARIS, "fr") + "."
    )  # (an id the catalogue lacks stays English; the instant is French)
    at = Message("At %(t)s.", {"t": formats.When(MIDNIGHT_IN_PARIS, "clock")})
    assert i18n.gettext("en", at) == "At 00:00."
    assert i18n.gettext("en", Message("%(t)s", {"t": MIDNIGHT_IN_PARIS})) == (
        formats.date_time(MIDNIGHT_IN_PARIS, "en")
    )


def test_a_count_takes_the_form_its_language_gives_it() -> None:
    def flash(n: int, language: str) -> str:
        juror = Plural("%(num)s juror is imported.", "%(num)s jurors are imported.", n)
        return i18n.gettext(language, juror)

    assert [flash(n, "en") for n in (0, 1, 2)] == [
        "0 jurors are imported.",
        "1 juror is imported.",
        "2 jurors are imported.",
    ]
    # French: 0 and 1 are singular.
    assert [flash(n, "fr") for n in (0, 1, 2)] == [
        "0 juré a été importé.",
        "1 juré a été importé.",
        "2 jurés ont été importés.",
    ]


def test_numbers_and_scores_in_the_readers_language() -> None:
    assert formats.decimal(7.7, 2, "en") == "7.70"
    assert formats.decimal(7.7, 2, "fr") == "7,70"
    assert formats.score(1234.5, "en") == "1,234.50"
    assert formats.score(None, "fr") == "–"
    assert re.fullmatch(r"1\s234,5", formats.number(1234.5, "fr"))
    limit = Message("At most %(mb)s MB.", {"mb": storage.megabytes(5 * 1024 * 1024 // 2)})
    assert (i18n.gettext("en", limit), i18n.gettext("fr", limit)) == (
        "At most 2.5 MB.",
        "At most 2,5 MB.",
    )


# --------------------------------------------------------------------------- places of time zones


def zones_js() -> str:
    """static/js/zones.js: every time zone whose place has another name in English or French
    than its identifier's last part (CLDR's exemplar cities, from Babel). Write it again with
    ``python -m tests.infra.test_formats`` when Babel's data changes."""
    found = {}
    for zone in sorted(zoneinfo.available_timezones()):
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/")):
            continue
        plain = zone.rsplit("/", 1)[1].replace("_", " ")
        try:
            names = [get_timezone_location(zone, locale=lang, return_city=True) for lang in LANGS]
        except LookupError:
            continue
        if names != [plain, plain]:
            found[zone] = names
    body = ",\n".join(
        f"  {json.dumps(zone)}: {json.dumps(names, ensure_ascii=False)}"
        for zone, names in found.items()
    )
    return (
        "// Names of the places that name time zones, in English and French, where they differ "
        "from the\n// zone's identifier (Africa/Algiers: Algiers, Alger): CLDR's exemplar cities, "
        f"from Babel\n// {babel.__version__}. prize.js names the reader's own time with them "
        '("your time: 22:59 in Algiers").\n'
        "// Written by `python -m tests.infra.test_formats`; a zone not listed is named by its "
        "identifier.\n"
        f"window.PRIZE_ZONES = {{\n{body}\n}};\n"
    )


def test_the_readers_zone_is_named_by_its_place_in_their_language() -> None:
    text = ZONES_JS.read_text(encoding="utf-8")
    places = json.loads(text[text.index("{") : text.rindex("}") + 1])
    assert places["Europe/Lisbon"] == ["Lisbon", "Lisbonne"]
    assert places["Africa/Algiers"] == ["Algiers", "Alger"]
    assert "Europe/Paris" not in places and "Africa/Tunis" not in places  # named by their id
    assert text == zones_js(), "static/js/zones.js is stale: run python -m tests.infra.test_formats"


if __name__ == "__main__":
    ZONES_JS.write_text(zones_js(), encoding="utf-8")
