"""Every date, time and number a person reads, in pages, e-mails, certificates and CSV files.

Instants are stored in UTC and shown in Paris time, named. People read dates in words, day
first, on a 24-hour clock: never seconds, never a numeric day/month that can be read two ways,
never a raw UTC offset. Babel gives the names of days and months (CLDR); the patterns are ours,
so English and French read the same everywhere. A few named styles:

====================  ==================================================  ====================================================
style                 English                                             French
====================  ==================================================  ====================================================
``deadline``          Monday 5 April 2027, 23:59 Paris time               lundi 5 avril 2027 à 23 h 59 (heure de Paris)
``date_time``         Monday 5 April 2027, 10:00 Paris time               lundi 5 avril 2027 à 10 h 00 (heure de Paris)
``day``               5 April 2027                                        5 avril 2027
``short``             5 Apr 2027, 14:03  (tables; the footer says Paris)  5 avr. 2027 à 14 h 03
``clock``             09:30                                               9 h 30
``relative``          in 4 months / 2 weeks ago                           dans 4 mois / il y a 2 semaines
``left``              4 months  ("Time left: 4 months")                   4 mois
``iso``               2027-04-05T21:59Z  (``datetime`` attributes: UTC, at most milliseconds)
``spreadsheet``       2027-04-05 23:59  (CSV cells: Paris time, sortable, read by any spreadsheet)
====================  ==================================================  ====================================================

A **deadline** is stored as the first instant that is refused (``now < deadline`` is allowed)
and shown as the last minute it allows: 00:00 on 6 April in Paris is "5 April, 23:59", never
"12:00 AM" of the 6th. The edition form takes it the same way (``from_last_minute``).

Numbers are in the reader's language (``1,234.5``, ``1 234,5``); a score has ``SCORE_DIGITS``
decimals wherever it is shown, as in the results' JSON; the tally's explanation shows the
``DETAIL_DIGITS`` its ranking compares.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, format_timedelta, get_timezone_name
from babel.numbers import format_decimal

from prize.languages import N_, locale, translations

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
SCORE_DIGITS = 2  # a score wherever people compare scores (results JSON and CSV, decisions)
DETAIL_DIGITS = 4  # the tally's explanation: what its ranking compares

Style = Literal["deadline", "date_time", "day", "short", "clock"]

# Babel patterns: names from CLDR, order and clock ours (day first, 24 hours, no seconds).
_WEEKDAY_DAY = "EEEE d MMMM y"
_DAY = "d MMMM y"
_SHORT_DAY = "d MMM y"
_CLOCK = {"en": "HH:mm", "fr": f"H{NBSP}'h'{NBSP}mm"}  # 09:30, « 9 h 30 »


# How a date and a time join, in the reader's language.
DATE_TIME_PARIS = N_("%(date)s, %(time)s Paris time")  # « %(date)s à %(time)s (heure de Paris) »
DATE_TIME = N_("%(date)s, %(time)s")  # « %(date)s à %(time)s »
# What prize.js adds beside an instant when the reader's clock differs from Paris's.
YOUR_TIME = N_("your time: %(when)s in %(place)s")


def _lang(language: str) -> str:
    return language if language in _CLOCK else "en"


def _gettext(language: str, msgid: str) -> str:
    return translations(language).gettext(msgid)


# --------------------------------------------------------------------------- instants


def in_paris(instant: datetime) -> datetime:
    """An aware instant in Paris time (a naive one is taken as UTC, as the database gives it)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(PARIS)


def last_minute(end: datetime) -> datetime:
    """The last whole minute an exclusive end allows: 22:00 UTC -> 21:59 UTC."""
    moment = end - timedelta(microseconds=1)
    return moment.replace(second=0, microsecond=0)


def end_of_day(day: date) -> datetime:
    """The exclusive end of a day in Paris (00:00 of the next day, in UTC): a deadline "on
    5 April" allows every minute up to 23:59 on 5 April, Paris time."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)


def from_last_minute(moment: datetime) -> datetime:
    """The exclusive end (the first instant refused) for a last allowed minute typed in a form."""
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


# --------------------------------------------------------------------------- styles for people


@functools.lru_cache(maxsize=8)
def paris_zone(season: Literal["winter", "summer"], language: str) -> str:
    """Paris's time in winter or in summer, named in the reader's language (CLDR, from Babel):
    "Central European Standard Time" / « heure normale d’Europe centrale », never an
    abbreviation or an identifier (CET, Europe/Paris)."""
    return get_timezone_name(
        PARIS,
        width="long",
        zone_variant="standard" if season == "winter" else "daylight",
        locale=locale(_lang(language)),
    )


@functools.lru_cache(maxsize=4096)
def day(value: date | datetime, language: str) -> str:
    """ "5 April 2027" / « 5 avril 2027 » (an instant: its date in Paris)."""
    if isinstance(value, datetime):
        value = in_paris(value).date()
    return format_date(value, _DAY, locale=locale(_lang(language)))


@functools.lru_cache(maxsize=4096)
def short_day(value: date | datetime, language: str) -> str:
    """ "5 Apr 2027" / « 5 avr. 2027 » (an instant: its date in Paris)."""
    if isinstance(value, datetime):
        value = in_paris(value).date()
    return format_date(value, _SHORT_DAY, locale=locale(_lang(language)))


@functools.lru_cache(maxsize=4096)
def clock(instant: datetime, language: str) -> str:
    """ "14:03" / « 14 h 03 », in Paris."""
    language = _lang(language)
    return format_time(in_paris(instant), _CLOCK[language], locale=locale(language))


@functools.lru_cache(maxsize=8192)
def date_time(instant: datetime, language: str) -> str:
    """ "Monday 5 April 2027, 10:00 Paris time" / « lundi 5 avril 2027 à 10 h 00 (heure de
    Paris) » (remembered: formatting is a good part of a long list page)."""
    language = _lang(language)
    when = format_date(in_paris(instant).date(), _WEEKDAY_DAY, locale=locale(language))
    return _gettext(language, DATE_TIME_PARIS) % {
        "date": when,
        "time": clock(instant, language),
    }


def deadline(end: datetime, language: str) -> str:
    """The last minute an exclusive end allows: "Monday 5 April 2027, 23:59 Paris time"."""
    return date_time(last_minute(end), language)


@functools.lru_cache(maxsize=8192)
def short(instant: datetime, language: str) -> str:
    """ "5 Apr 2027, 14:03" / « 5 avr. 2027 à 14 h 03 »: a table cell, in Paris time (the page
    says so once)."""
    language = _lang(language)
    return _gettext(language, DATE_TIME) % {
        "date": short_day(instant, language),
        "time": clock(instant, language),
    }


def relative(instant: datetime, now: datetime, language: str) -> str:
    """ "in 4 months" / "2 weeks ago", rounded as people say it."""
    return format_timedelta(
        instant - now, threshold=1.1, add_direction=True, locale=locale(_lang(language))
    )


def left(until: datetime, now: datetime, language: str) -> str:
    """What remains until ``until``: "4 months", "14 days"."""
    return format_timedelta(until - now, threshold=1.1, locale=locale(_lang(language)))


# The stored instants that are exclusive ends (the first instant refused): shown as deadlines.
DEADLINES = frozenset({"deadline", "shortlist_closes_at", "final_closes_at", "info_due"})


def style_of(field: str) -> Style:
    """How a stored instant is shown: an exclusive end as a deadline, others as they are."""
    return "deadline" if field in DEADLINES else "date_time"


def styled(instant: datetime, style: Style, language: str) -> str:
    """An instant in one of the styles, by name (a template or a message chooses it)."""
    if style == "deadline":
        return deadline(instant, language)
    if style == "day":
        return day(instant, language)
    if style == "short":
        return short(instant, language)
    if style == "clock":
        return clock(instant, language)
    return date_time(instant, language)


@dataclass(frozen=True)
class When:
    """An instant given to a message (``Message``, ``DomainError``), shown in ``style`` in the
    reader's language when the message is translated."""

    instant: datetime
    style: Style = "date_time"

    def shown_in(self, language: str) -> str:
        return styled(self.instant, self.style, language)


# --------------------------------------------------------------------------- styles for machines


def iso(instant: datetime) -> str:
    """A ``datetime`` attribute: UTC with ``Z``, seconds and milliseconds only when there are
    some (HTML allows at most three fractional digits; ``isoformat`` gives six)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    moment = instant.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if moment.second or moment.microsecond >= 1000:
        text += moment.strftime(":%S")
        if moment.microsecond >= 1000:
            text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def iso_deadline(end: datetime) -> str:
    """The ``datetime`` attribute of a deadline: the last minute it allows, as shown."""
    return iso(last_minute(end))


def spreadsheet(value: date | datetime | None) -> str:
    """A CSV cell: "2027-04-05 23:59" in Paris time (a date: "2027-04-05"); year first, so no
    one reads the month as the day, and every spreadsheet sorts and reads it as a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return in_paris(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


# --------------------------------------------------------------------------- numbers


def decimal(value: float | None, digits: int, language: str) -> str:
    """A number with exactly ``digits`` decimals in the reader's language ("7.70", « 7,70 »);
    "–" for no value."""
    if value is None:
        return "–"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=locale(_lang(language)))


def number(value: float | None, language: str, digits: int = 2) -> str:
    """A number in the reader's language with at most ``digits`` decimals ("1,234.5",
    « 1 234,5 »); "–" for no value."""
    if value is None:
        return "–"
    return format_decimal(round(value, digits), locale=locale(_lang(language)))


@dataclass(frozen=True)
class Quantity:
    """A number given to a message or a page, shown in the reader's language with at most
    ``digits`` decimals ("2.5 MB", « 2,5 Mo »)."""

    value: float
    digits: int = 2

    def shown_in(self, language: str) -> str:
        return number(self.value, language, self.digits)

    def __str__(self) -> str:
        return self.shown_in("en")


def score(value: float | None, language: str) -> str:
    """A score, with ``SCORE_DIGITS`` decimals everywhere."""
    return decimal(value, SCORE_DIGITS, language)


# Text typed by the secretariat in French, typeset on display: the space before « : ; ? ! » and
# inside « » becomes a no-break space (as the catalogue writes them), so that a line never
# starts with the punctuation.
_FRENCH_SPACES = (
    (re.compile(r"[ \t]+(?=[:;?!»])"), NBSP),
    (re.compile(r"(?<=«)[ \t]+"), NBSP),
)


def typeset(text: str, language: str) -> str:
    """``text`` as a reader of ``language`` expects its spaces (French only; else unchanged)."""
    if _lang(language) != "fr":
        return text
    for pattern, space in _FRENCH_SPACES:
        text = pattern.sub(space, text)
    return text
