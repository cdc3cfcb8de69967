"""The edition form and the criterion form.

Instants are typed in Europe/Paris time (``datetime-local`` inputs) and stored in UTC; a time
that does not exist in Paris (the hour skipped when clocks go forward) is refused. A deadline
(the call's, each jury round's closing) is typed and shown as the last minute it allows,
"2027-04-05 23:59", and stored as the first instant refused, 00:00 on 6 April in Paris
(``formats.from_last_minute``): what is typed is what every page and e-mail shows.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from prize import countries, formats
from prize.domain.editions import bands
from prize.domain.editions.criteria import CriterionSpec
from prize.domain.shared.email_addresses import parse_email
from prize.forms.base import FormResult, text
from prize.models import Criterion, Edition

PARIS = ZoneInfo("Europe/Paris")
INSTANTS = ("opens_at", "deadline", "shortlist_closes_at", "final_closes_at", "announce_at")
REQUIRED_INSTANTS = ("opens_at", "deadline")
DEADLINES = tuple(name for name in INSTANTS if name in formats.DEADLINES)
TEXTS = ("title_en", "title_fr", "call_en", "call_fr", "prize_en", "prize_fr")
NUMBERS = ("year", "shortlist_size", "scale_min", "scale_max", "quorum")


def to_paris_input(value: datetime | None, *, deadline: bool = False) -> str:
    """A UTC instant as a ``datetime-local`` value in Paris time; a deadline as the last
    minute it allows."""
    if value is None:
        return ""
    if deadline:
        value = formats.last_minute(value)
    return value.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def parse_paris(value: str) -> datetime:
    """``2027-06-30T22:00`` in Paris time -> an aware UTC datetime; ValueError when impossible."""
    naive = datetime.fromisoformat(value.strip())
    if naive.tzinfo is not None:
        raise ValueError("a time zone was given")
    instant = naive.replace(tzinfo=PARIS).astimezone(UTC)
    if instant.astimezone(PARIS).replace(tzinfo=None) != naive:
        raise OverflowError("skipped hour")  # the hour skipped when the clocks go forward
    return instant


def parse_deadline(value: str) -> datetime:
    """The last minute a deadline allows, ``2027-06-30T23:59`` in Paris time -> the first
    instant refused, in UTC (00:00 on 1 July in Paris); ValueError when impossible."""
    return formats.from_last_minute(parse_paris(value))


def _instant(form: FormData, name: str, result: FormResult, required: bool) -> datetime | None:
    raw = text(form, name)
    result.values[name] = raw
    if not raw:
        if required:
            result.error(name, "Enter a date and time.")
        return None
    try:
        return parse_deadline(raw) if name in DEADLINES else parse_paris(raw)
    except OverflowError:
        result.error(name, "This time does not exist in Paris (the clocks go forward then).")
    except ValueError:
        if name in DEADLINES:
            result.error(name, "Enter the last minute it allows, like 2027-06-30 23:59.")
        else:
            result.error(name, "Enter a date and time like 2027-06-30 22:00.")
    return None


def _int(form: FormData, name: str, result: FormResult) -> int | None:
    raw = text(form, name)
    result.values[name] = raw
    try:
        return int(raw)
    except ValueError:
        result.error(name, "Enter a whole number.")
        return None


def initial_values(edition: Edition | None, defaults: dict[str, Any]) -> dict[str, Any]:
    """What the form shows before anything is typed: the edition's settings, or ``defaults``."""
    if edition is None:
        return defaults
    values: dict[str, Any] = {name: getattr(edition, name) for name in TEXTS}
    values.update({name: str(getattr(edition, name)) for name in NUMBERS})
    values.update(
        {
            name: to_paris_input(getattr(edition, name), deadline=name in DEADLINES)
            for name in INSTANTS
        }
    )
    values["rehearsal"] = edition.rehearsal
    values["rehearsal_recipients"] = "\n".join(edition.rehearsal_recipients)
    values["countries"] = list(edition.eligible_countries)
    values["normalise"] = edition.normalise
    values["shortlist_open"] = not edition.shortlist_embargo
    values["add_country"] = ""
    values["reason"] = ""
    return values


def parse_edition(form: FormData) -> tuple[FormResult, dict[str, Any]]:
    """(values as typed with errors by field, the parsed settings for the domain)."""
    result = FormResult()
    parsed: dict[str, Any] = {}
    for name in TEXTS:
        parsed[name] = result.values[name] = text(form, name)
    if not parsed["title_en"]:
        result.error("title_en", "Enter the title in English.")
    for name in NUMBERS:
        parsed[name] = _int(form, name, result)
    for name in INSTANTS:
        parsed[name] = _instant(form, name, result, name in REQUIRED_INSTANTS)
    chosen = [c.upper() for c in form.getlist("countries") if isinstance(c, str)]
    added = text(form, "add_country").upper()
    result.values["countries"] = chosen
    result.values["add_country"] = added
    codes = sorted(set(chosen) | ({added} if added else set()))
    unknown = [c for c in codes if not countries.is_known(c)]
    if unknown:
        result.error("countries", "Unknown country codes: %(codes)s.", codes=", ".join(unknown))
    parsed["eligible_countries"] = codes
    parsed["normalise"] = result.values["normalise"] = form.get("normalise") == "yes"
    # ticked: the shortlisted may share the news at once; the embargo is the default
    result.values["shortlist_open"] = form.get("shortlist_open") == "yes"
    parsed["shortlist_embargo"] = not result.values["shortlist_open"]
    result.values["reason"] = text(form, "reason")
    _rehearsal(form, result, parsed)
    return result, parsed


def _rehearsal(form: FormData, result: FormResult, parsed: dict[str, Any]) -> None:
    """Whether the edition is a rehearsal, and the addresses its e-mails may reach (one a
    line, or separated by commas); every other message of a rehearsal stays in the outbox."""
    parsed["rehearsal"] = result.values["rehearsal"] = form.get("rehearsal") == "yes"
    raw = text(form, "rehearsal_recipients")
    result.values["rehearsal_recipients"] = raw
    addresses: list[str] = []
    for item in raw.replace(",", "\n").split():
        address = parse_email(item)
        if address is None:
            result.error(
                "rehearsal_recipients", "This is not an e-mail address: %(text)s.", text=item
            )
            break
        if address not in addresses:
            addresses.append(address)
    parsed["rehearsal_recipients"] = addresses


def criterion_values(criterion: Criterion | None) -> dict[str, str]:
    if criterion is None:
        return {
            "name_en": "",
            "name_fr": "",
            "description_en": "",
            "description_fr": "",
            "weight": "1",
            **_band_values(None),
        }
    return {
        "name_en": criterion.name_en,
        "name_fr": criterion.name_fr,
        "description_en": criterion.description_en,
        "description_fr": criterion.description_fr,
        "weight": f"{criterion.weight:g}",
        **_band_values(criterion.bands),
    }


def _band_values(stored: object) -> dict[str, str]:
    """``band-<i>-en`` and ``band-<i>-fr``: each band's sentences, blank for the default."""
    values: dict[str, str] = {}
    for index, (en, fr) in enumerate(bands.pairs(stored)):
        values[f"band-{index}-en"], values[f"band-{index}-fr"] = en, fr
    return values


def parse_criterion(form: FormData) -> tuple[FormResult, CriterionSpec | None]:
    result = FormResult()
    for name in ("name_en", "name_fr", "description_en", "description_fr", "weight"):
        result.values[name] = text(form, name)
    for name in _band_values(None):
        result.values[name] = text(form, name)
        if len(result.values[name]) > bands.MAX_BAND:
            result.error(name, "Use at most %(n)s characters.", n=bands.MAX_BAND)
    if not result.values["name_en"]:
        result.error("name_en", "Enter the criterion's name in English.")
    for name in ("name_en", "name_fr"):
        if len(result.values[name]) > 200:
            result.error(name, "Use at most %(n)s characters.", n=200)
    try:
        weight = float(result.values["weight"].replace(",", "."))
    except ValueError:
        weight = math.nan
    if not (0 < weight <= 100):  # also refuses NaN
        result.error("weight", "The weight must be more than 0 and at most 100.")
    if not result.ok:
        return result, None
    sentences = tuple(
        (result.values[f"band-{i}-en"], result.values[f"band-{i}-fr"]) for i in range(bands.BANDS)
    )
    return result, CriterionSpec(
        name_en=result.values["name_en"],
        name_fr=result.values["name_fr"],
        description_en=result.values["description_en"],
        description_fr=result.values["description_fr"],
        weight=weight,
        bands=sentences if any(en or fr for en, fr in sentences) else (),
    )
