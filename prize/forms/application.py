"""The application form (sections A, B and C): posted fields -> values to store, or messages.

A draft is saved with whatever is well formed; a malformed value (a number that is not one, a
date that is no date, an address that is no address) is refused with its message and kept as
typed for the page, and the stored value stays as it was. Word limits are shown on save and
enforced when submitting (see ``prize.domain.applicants.submissions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData

from prize.domain.applicants.drafts import (
    CONSENT_FIELDS,
    INVOLVEMENT_AREAS,
    MAX_LINKS,
    PAGE_ORDER,
    WORD_LIMITS,
    label_of,
    word_limit_message,
)
from prize.domain.shared.email_addresses import parse_email
from prize.formats import Quantity
from prize.forms.base import FormResult, text
from prize.i18n import N_, Message
from prize.models import ApplicationContent

SHORT = {
    "title": 300,
    "organisation": 300,
    "applicant_name": 200,
    "phone": 50,
    "contact_email": 254,
    "website": 500,
    "contact_person": 200,
    "contact_person_email": 254,
}
LONG = {
    "address": 2000,
    "social_links": 3000,
    "goals": 20_000,
    "summary": 20_000,
    "participation": 20_000,
}
# Checkboxes: processing (needed to submit), then the two publication consents (title,
# organisation and country; the summary).
HOW_MAX = 5000
MAX_NUMBER = 10_000_000
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-/]{3,48}$")
WEB_ADDRESS = N_("%(field)s: enter a web address starting with https:// or http://.")
_DATE_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


def in_page_order(*sources: dict[str, Message] | list[tuple[str, Message]]) -> dict[str, Message]:
    """One message per field, in the page's order; for a field given several, the first source's
    wins (a format error before the "missing" its refused value leads to)."""
    merged: dict[str, Message] = {}
    for source in sources:
        for name, message in source.items() if isinstance(source, dict) else source:
            merged.setdefault(name, message)
    rank = {name: i for i, name in enumerate(PAGE_ORDER)}
    return dict(sorted(merged.items(), key=lambda item: rank.get(item[0], len(rank))))


def _refuse(result: FormResult, name: str, msgid: str, **params: Any) -> None:
    """A refusal that names its field, so that it reads alone in the error summary."""
    result.error(name, msgid, field=label_of(name), **params)


class Typed(dict[str, Any]):
    """Answers as typed, for a template: a field never answered reads as empty."""

    def __missing__(self, key: str) -> Any:
        return [] if key == "countries_other" else ""


class Messages(dict[str, Message]):
    """Messages by field, for a template: a field without one reads as None."""

    def __missing__(self, key: str) -> None:
        return None


@dataclass
class ApplicationInput(FormResult):
    """``values`` as typed (for the page), ``clean`` what may be stored, ``warnings`` stored
    answers that still keep the application from being submitted."""

    clean: dict[str, Any] = field(default_factory=dict)
    warnings: dict[str, Message] = field(default_factory=dict)

    def messages(self) -> dict[str, Message]:
        return {**self.warnings, **self.errors}


def within(
    parsed: ApplicationInput, *, fields: tuple[str, ...], stored: tuple[str, ...]
) -> ApplicationInput:
    """What one section of the form posted: its fields (as the form names them) and the stored
    answers they fill, so that saving it leaves the other sections as they are."""
    return ApplicationInput(
        values={k: v for k, v in parsed.values.items() if k in fields},
        errors={k: v for k, v in parsed.errors.items() if k in fields},
        clean={k: v for k, v in parsed.clean.items() if k in stored},
        warnings={k: v for k, v in parsed.warnings.items() if k in fields},
    )


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.hostname)
        and "." in (parts.hostname or "")
        and not any(c.isspace() for c in value)
    )


def parse_date(value: str) -> date | None:
    """ISO (2025-09-15, what date fields send) or day first (15/09/2025, 15.09.2025)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    match = _DATE_DMY.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


def parse(
    form: FormData, *, eligible: list[str], today: date, language: str = "en"
) -> ApplicationInput:
    result = ApplicationInput()
    _texts(form, result)
    _contacts(result)
    _word_limits(result)
    _countries(form, result, eligible=eligible)
    _numbers(form, result, language=language)
    _dates(form, result, today=today)
    _involvement(form, result)
    _links(form, result)
    for name in CONSENT_FIELDS:
        result.values[name] = form.get(name) == "yes"
        result.clean[name] = result.values[name]
    return result


def _texts(form: FormData, result: ApplicationInput) -> None:
    """The free texts, short ones on one line, within their lengths."""
    for name, limit in {**SHORT, **LONG}.items():
        value = text(form, name)
        result.values[name] = value
        if len(value) > limit:
            _refuse(result, name, N_("%(field)s must be %(n)s characters or fewer."), n=limit)
        else:
            result.clean[name] = value if name in LONG else " ".join(value.split())


def _contacts(result: ApplicationInput) -> None:
    """The e-mail addresses, the telephone number and the website, among the texts typed."""
    typed, clean = result.values, result.clean
    for name in ("contact_email", "contact_person_email"):
        if not typed[name] or name in result.errors:
            continue
        address = parse_email(typed[name])
        if address is None:
            _refuse(result, name, N_("%(field)s: enter an e-mail address like name@example.org."))
            clean.pop(name, None)
        else:
            clean[name] = address
    if typed["phone"] and not _PHONE.match(typed["phone"]):
        _refuse(result, "phone", N_("%(field)s: enter a number like +33 3 88 41 20 00."))
        clean.pop("phone", None)
    if typed["website"] and not is_web_url(typed["website"]):
        _refuse(result, "website", WEB_ADDRESS)
        clean.pop("website", None)


def _word_limits(result: ApplicationInput) -> None:
    """A warning for each text over its word limit (stored, but not submittable)."""
    for name in WORD_LIMITS:
        message = word_limit_message(name, result.values[name])
        if message is not None and name not in result.errors:
            result.warnings[name] = message


def _countries(form: FormData, result: ApplicationInput, *, eligible: list[str]) -> None:
    """The main country first, then the others, all from the edition's list."""
    main = text(form, "country_main").upper()
    others = [str(v).strip().upper() for v in form.getlist("countries_other") if str(v).strip()]
    result.values["country_main"] = main
    result.values["countries_other"] = others
    if main and main not in eligible:
        _refuse(result, "country_main", N_("%(field)s: choose a country from the list."))
    elif any(code not in eligible for code in others):
        _refuse(result, "countries_other", N_("%(field)s: choose countries from the list."))
    elif others and not main:
        _refuse(result, "country_main", N_("%(field)s: choose the main country as well."))
    else:
        result.clean["countries"] = ([main] if main else []) + [
            c for c in dict.fromkeys(others) if c != main
        ]


# Thousands separators: spaces (any width) and apostrophes everywhere; a comma in English only
# (in French it marks decimals). Groups of exactly three digits, so "2,5" is never 25.
_SPACES = " \u00a0\u202f\u2009'\u2019"
_GROUPED = {
    "en": re.compile(rf"^[0-9]{{1,3}}(?:[{_SPACES},][0-9]{{3}})+$"),
    "fr": re.compile(rf"^[0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+$"),
}


def whole_number(raw: str, language: str) -> int | None:
    """A whole number as a reader of ``language`` writes it ("1200", "1,200", « 1 200 »), or
    None: never a decimal ("12.5", "2,5") read as a bigger whole one."""
    if raw.isascii() and raw.isdigit():
        return int(raw)
    if not _GROUPED.get(language, _GROUPED["en"]).match(raw):
        return None
    return int(re.sub(rf"[{_SPACES},]", "", raw))


def _numbers(form: FormData, result: ApplicationInput, *, language: str) -> None:
    """How many young people and adults, with the reader's thousands separator."""
    for name in ("young_people", "adults"):
        raw = text(form, name)
        result.values[name] = raw
        value = whole_number(raw, language) if raw else None
        if not raw:
            result.clean[name] = None
        elif (
            value is None and raw[:1] in ("-", "\u2212") and whole_number(raw[1:].strip(), language)
        ):
            _refuse(result, name, N_("%(field)s cannot be below 0."))
        elif value is None:
            _refuse(
                result,
                name,
                N_("%(field)s must be a whole number, like 120: “%(typed)s” is not one."),
                typed=raw,
            )
        elif value > MAX_NUMBER:
            _refuse(
                result, name, N_("%(field)s must be at most %(max)s."), max=Quantity(MAX_NUMBER)
            )
        else:
            result.clean[name] = value


def _dates(form: FormData, result: ApplicationInput, *, today: date) -> None:
    """The start and end dates, the end not before the start, and whether it still runs."""
    clean = result.clean
    dates: dict[str, date | None] = {}
    for name in ("start_date", "end_date"):
        raw = text(form, name)
        result.values[name] = raw
        if not raw:
            dates[name] = clean[name] = None
            continue
        parsed = parse_date(raw)
        if parsed is None or not 1950 <= parsed.year <= today.year + 10:
            _refuse(result, name, N_("%(field)s: enter a date like 2025-09-15."))
        else:
            dates[name] = clean[name] = parsed
    start, end = dates.get("start_date"), dates.get("end_date")
    if start and end and end < start:
        _refuse(result, "end_date", N_("%(field)s cannot be before the start date."))
        clean.pop("end_date", None)
    result.values["still_running"] = text(form, "still_running")
    clean["still_running"] = {"yes": True, "no": False}.get(result.values["still_running"])


def _involvement(form: FormData, result: ApplicationInput) -> None:
    """For each area, whether young people were involved and how."""
    involvement: dict[str, dict[str, Any]] = {}
    for area in INVOLVEMENT_AREAS:
        question, how_field = "inv_" + area, "inv_" + area + "_how"
        answer = text(form, question)
        how = text(form, how_field)
        result.values[question] = answer
        result.values[how_field] = how
        if len(how) > HOW_MAX:
            _refuse(
                result, how_field, N_("%(field)s must be %(n)s characters or fewer."), n=HOW_MAX
            )
            how = how[:HOW_MAX]
        involvement[area] = {"involved": {"yes": True, "no": False}.get(answer), "how": how}
    if not any(f"inv_{a}_how" in result.errors for a in INVOLVEMENT_AREAS):
        result.clean["involvement"] = involvement


def _links(form: FormData, result: ApplicationInput) -> None:
    """Links to videos, articles or reports about the project, each a web address."""
    links: list[str] = []
    for i in range(1, MAX_LINKS + 1):
        name = f"link_{i}"
        value = text(form, name)
        result.values[name] = value
        if not value:
            continue
        if len(value) > 500 or not is_web_url(value):
            _refuse(result, name, WEB_ADDRESS)
        else:
            links.append(value)
    if not any(f"link_{i}" in result.errors for i in range(1, MAX_LINKS + 1)):
        result.clean["links"] = links


def initial(content: ApplicationContent | None) -> dict[str, Any]:
    """The stored answers as the form shows them."""
    if content is None:
        return {}
    typed: dict[str, Any] = {name: getattr(content, name) for name in {**SHORT, **LONG}}
    typed["country_main"] = content.countries[0] if content.countries else ""
    typed["countries_other"] = list(content.countries[1:])
    for name in ("young_people", "adults"):
        value = getattr(content, name)
        typed[name] = "" if value is None else str(value)
    for name in ("start_date", "end_date"):
        value = getattr(content, name)
        typed[name] = value.isoformat() if value else ""
    typed["still_running"] = {True: "yes", False: "no"}.get(content.still_running, "")  # type: ignore[arg-type]
    for area in INVOLVEMENT_AREAS:
        answer = content.involvement.get(area) or {}
        typed[f"inv_{area}"] = {True: "yes", False: "no"}.get(answer.get("involved"), "")  # type: ignore[arg-type]
        typed[f"inv_{area}_how"] = str(answer.get("how", ""))
    for i in range(1, MAX_LINKS + 1):
        typed[f"link_{i}"] = content.links[i - 1] if len(content.links) >= i else ""
    for name in CONSENT_FIELDS:
        typed[name] = getattr(content, name)
    return typed


def start_errors(values: dict[str, str]) -> dict[str, Message]:
    """Every refusal of the start page's fields at once, in the page's order (the domain checks
    them again, one by one)."""
    errors: dict[str, Message] = {}
    if not values["email"].strip():
        errors["email"] = Message(N_("Enter your e-mail address."))
    elif parse_email(values["email"]) is None:
        errors["email"] = Message(N_("Enter an e-mail address like name@example.org."))
    title = " ".join(values["title"].split())
    if not title:
        errors["title"] = Message(N_("Enter your project's title."))
    elif len(title) > SHORT["title"]:
        errors["title"] = Message(
            N_("Project title must be %(n)s characters or fewer."), {"n": SHORT["title"]}
        )
    return errors


def start_fields(form: FormData) -> dict[str, str]:
    return {
        "email": text(form, "email")[:254],
        "title": text(form, "title")[:1000],
        "language": text(form, "language"),
    }
