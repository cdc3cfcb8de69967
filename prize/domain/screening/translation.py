"""What the jury reads of an application that needs an English translation: every free-text
answer (title, goals, summary, participation, and how young people take part in each area of
the youth-involvement grid), and whether each of them has one."""

from __future__ import annotations

from collections.abc import Mapping

from prize.domain.applicants.drafts import INVOLVEMENT_AREAS
from prize.models import ApplicationContent

INVOLVEMENT_FIELDS = tuple(f"involvement_{area}" for area in INVOLVEMENT_AREAS)
TRANSLATED_FIELDS = ("title", "goals", "summary", "participation", *INVOLVEMENT_FIELDS)
TRANSLATION_LIMITS = {
    "title": 300,
    "goals": 5_000,
    "summary": 40_000,
    "participation": 20_000,
    **{name: 10_000 for name in INVOLVEMENT_FIELDS},
}


def original(content: ApplicationContent | None, field: str) -> str:
    """The applicant's text for one of ``TRANSLATED_FIELDS`` ("" when there is none)."""
    if content is None:
        return ""
    if field.startswith("involvement_"):
        answer = (content.involvement or {}).get(field.removeprefix("involvement_"))
        return str(answer.get("how") or "") if isinstance(answer, dict) else ""
    return str(getattr(content, field) or "")


def missing(content: ApplicationContent | None, translation: Mapping[str, str]) -> list[str]:
    """The fields with an original text and no translation yet, in the order of the page."""
    return [
        name
        for name in TRANSLATED_FIELDS
        if original(content, name).strip() and not (translation.get(name) or "").strip()
    ]


def complete(content: ApplicationContent | None, translation: Mapping[str, str]) -> bool:
    """Translated for the jury: some translation, and none missing."""
    return bool(translation) and not missing(content, translation)
