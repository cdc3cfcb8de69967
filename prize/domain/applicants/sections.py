"""The application form's sections (A, B, C, files, consents) and the state of each, for the
task list: not started, in progress, complete, or with errors.

A section is *not started* while none of its answers is given, *complete* when nothing in it
keeps the application from being submitted, *in progress* when answers are still missing, and
*has errors* when a given answer breaks a rule (a text over its word limit, a start date to come,
a country that is not eligible; ``problems`` lists them, for the pages to show beside their
fields). The files are optional: none is "not started", one or more is complete.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from prize.domain.applicants.drafts import (
    CONSENT_FIELDS,
    CONTACT_FIELDS,
    INVOLVEMENT_AREAS,
    MAX_LINKS,
)
from prize.domain.applicants.submissions import missing_parts
from prize.i18n import N_, Message
from prize.models import ApplicationContent, Edition


class State(enum.StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    complete = "complete"
    has_errors = "has_errors"


@dataclass(frozen=True)
class Section:
    """One section: its address (``key``), its title and the fields its page shows (as the form
    names them); every stored answer is in exactly one section (a test checks it)."""

    key: str
    title: str
    fields: tuple[str, ...]

    @property
    def stored(self) -> tuple[str, ...]:
        """The stored answers its fields fill (``ApplicationContent``'s columns)."""
        return tuple(dict.fromkeys(_stored_as(name) for name in self.fields))


def _stored_as(field: str) -> str:
    """The column a form field is stored in: the countries' two fields, each involvement
    question and each link make one answer."""
    if field in ("country_main", "countries_other"):
        return "countries"
    if field.startswith("inv_"):
        return "involvement"
    if field.startswith("link_"):
        return "links"
    return field


SECTIONS: tuple[Section, ...] = (
    Section(
        "project",
        N_("A. The project"),
        (
            "title",
            "organisation",
            "country_main",
            "countries_other",
            "young_people",
            "adults",
            "start_date",
            "still_running",
            "end_date",
        ),
    ),
    Section(
        "contacts",
        N_("B. Contacts"),
        CONTACT_FIELDS,
    ),
    Section(
        "description",
        N_("C. Description"),
        (
            "goals",
            "summary",
            "participation",
            *(f"inv_{area}{tail}" for area in INVOLVEMENT_AREAS for tail in ("", "_how")),
            *(f"link_{i}" for i in range(1, MAX_LINKS + 1)),
        ),
    ),
    Section(
        "consents",
        N_("Consents"),
        CONSENT_FIELDS,
    ),
)
FILES = "files"  # the files page, a task of its own
# Filled in from the start page, not typed in the section: it does not start the section.
_FILLED_FOR_THEM = frozenset({"contact_email"})
TITLES = {section.key: section.title for section in SECTIONS} | {FILES: N_("Supporting files")}
BY_KEY = {section.key: section for section in SECTIONS}


def section_of(name: str) -> Section | None:
    """The section of a form field (``link_2``, ``inv_strategy_how``), if any."""
    return next((s for s in SECTIONS if name in s.fields), None)


def _given(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple)):
        return any(_given(v) for v in value)
    if isinstance(value, dict):
        return any(_given(v) for v in value.values())
    if isinstance(value, bool):
        return value  # a consent not given, or "still running" answered no: see _answer
    return value is not None


def _answer(content: ApplicationContent, name: str) -> Any:
    """The stored answer behind a form field (None or empty when not given)."""
    if name == "country_main":
        return content.countries[:1]
    if name == "countries_other":
        return content.countries[1:]
    if name == "still_running":
        return "" if content.still_running is None else "answered"
    if name.startswith("inv_"):
        area, _, how = name.removeprefix("inv_").partition("_")
        answer = content.involvement.get(area) or {}
        if how:
            return str(answer.get("how", ""))
        return "" if answer.get("involved") is None else "answered"
    if name.startswith("link_"):
        i = int(name.removeprefix("link_"))
        return content.links[i - 1] if len(content.links) >= i else ""
    return getattr(content, name)


def problems(
    content: ApplicationContent | None, edition: Edition, today: date
) -> list[tuple[str, Message]]:
    """The rules that the answers given break (a text over its word limit, a start date to
    come, a country that is not eligible), each as (form field, message) in the form's order:
    what keeps ``content`` from being submitted although answered, shown beside its field. The
    answers not given yet are not among them: a form being filled in lacks them as a matter of
    course."""
    if content is None:
        return []
    return [
        (name, message)
        for name, message in missing_parts(content, edition, today)
        if _given(_answer(content, name))
    ]


def state_of(
    section: Section, content: ApplicationContent | None, edition: Edition, today: date
) -> State:
    """The state of one section of ``content`` (the draft, or the submitted version)."""
    if content is None:
        return State.not_started
    if any(name in section.fields for name, _ in problems(content, edition, today)):
        return State.has_errors  # an answer given, and still refused: a rule it breaks
    if not any(
        _given(_answer(content, name)) for name in section.fields if name not in _FILLED_FOR_THEM
    ):
        return State.not_started
    missing = [name for name, _ in missing_parts(content, edition, today) if name in section.fields]
    return State.in_progress if missing else State.complete


@dataclass(frozen=True)
class Task:
    key: str
    title: Message
    state: State
    optional: bool = False


def tasks(
    content: ApplicationContent | None, edition: Edition, today: date, files: int
) -> list[Task]:
    """The task list: each section's state in the form's order, the files before the consents."""
    out = [
        Task(s.key, Message(s.title), state_of(s, content, edition, today))
        for s in SECTIONS
        if s.key != "consents"
    ]
    out.append(
        Task(
            FILES,
            Message(TITLES[FILES]),
            State.complete if files else State.not_started,
            optional=True,
        )
    )
    consents = BY_KEY["consents"]
    out.append(
        Task(consents.key, Message(consents.title), state_of(consents, content, edition, today))
    )
    return out


def all_complete(items: list[Task]) -> bool:
    """Whether every required task is complete (the optional ones do not hold it back)."""
    return all(t.state is State.complete for t in items if not t.optional)
