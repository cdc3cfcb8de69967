"""Forms of the ballot: onboarding, conflicts, and the scores of one application.

A score field is named ``score-<criterion id>``. A plain form post sends every field: a blank
score there means "not scored yet" and changes nothing (so a stale page on a second device never
erases a score saved on the first). Autosave sends only the fields that changed: a blank score
there clears it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from prize.domain.jury import conflicts
from prize.domain.jury.ballots import Item
from prize.domain.jury.scoring import MAX_COMMENT, MAX_REASON
from prize.forms.base import FormResult, text
from prize.i18n import Message

_WHOLE = re.compile(r"^[+-]?\d{1,6}$")


@dataclass
class ScoresInput:
    """What one application's form gave: the valid parts, what was typed, and the refusals."""

    scores: dict[int, int | None] = field(default_factory=dict)
    comment: str | None = None
    abstain: bool | None = None
    abstain_reason: str | None = None
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Message] = field(default_factory=dict)

    @property
    def anything(self) -> bool:
        return bool(self.scores) or any(
            v is not None for v in (self.comment, self.abstain, self.abstain_reason)
        )


def score_field(criterion_id: int) -> str:
    return f"score-{criterion_id}"


def stored_fields(item: Item, criteria: Iterable[int]) -> dict[str, str]:
    """What the ballot holds for ``item``, field by field as the form sends it (a blank score:
    not scored): what a page puts a refused change back to."""
    fields = {score_field(c): str(item.scores[c]) if c in item.scores else "" for c in criteria}
    fields.update(
        comment=item.comment,
        abstain="yes" if item.abstain else "no",
        abstain_reason=item.abstain_reason,
    )
    return fields


def parse_scores(
    form: FormData,
    *,
    criteria: Iterable[int],
    scale_min: int,
    scale_max: int,
    partial: bool,
) -> ScoresInput:
    """Scores on the edition's scale, a comment, and an abstention with its reason."""
    result = ScoresInput()
    for criterion_id in criteria:
        name = score_field(criterion_id)
        if name not in form:
            continue
        raw = text(form, name)
        result.typed[name] = raw
        if raw == "":
            if partial:
                result.scores[criterion_id] = None
            continue
        if not _WHOLE.match(raw) or not scale_min <= int(raw) <= scale_max:
            result.errors[name] = Message(
                "Give a whole number from %(min)s to %(max)s.", {"min": scale_min, "max": scale_max}
            )
            continue
        result.scores[criterion_id] = int(raw)
    if "comment" in form:
        result.comment = text(form, "comment")
        result.typed["comment"] = result.comment
        if len(result.comment) > MAX_COMMENT:
            result.errors["comment"] = Message("Use at most %(n)s characters.", {"n": MAX_COMMENT})
            result.comment = None
    if "abstain_reason" in form:
        result.abstain_reason = text(form, "abstain_reason")
        result.typed["abstain_reason"] = result.abstain_reason
        if len(result.abstain_reason) > MAX_REASON:
            result.errors["abstain_reason"] = Message(
                "Use at most %(n)s characters.", {"n": MAX_REASON}
            )
            result.abstain_reason = None
    if partial:
        if "abstain" in form:
            result.abstain = text(form, "abstain") == "yes"
    else:
        result.abstain = text(form, "abstain") == "yes"
    result.typed["abstain"] = "yes" if result.abstain else ""
    if result.abstain and partial is False and not result.abstain_reason:
        result.errors.setdefault("abstain_reason", Message("Say why you abstain on this project."))
        result.abstain = None
    return result


def parse_welcome(form: FormData) -> FormResult:
    result = FormResult()
    result.values = {"first_name": text(form, "first_name"), "pledge": bool(form.get("pledge"))}
    return result


@dataclass
class ConflictsInput:
    declarations: dict[int, str]
    none: bool
    typed: dict[str, str]
    errors: dict[str, Message]


def parse_conflicts(form: FormData, *, candidates: Iterable[int]) -> ConflictsInput:
    """Ticked projects (``conflict-<id>``) each with a reason (``reason-<id>``), or ``none``."""
    declarations: dict[int, str] = {}
    typed: dict[str, str] = {}
    errors: dict[str, Message] = {}
    for app_id in candidates:
        reason = text(form, f"reason-{app_id}")
        if reason:
            typed[f"reason-{app_id}"] = reason
        if form.get(f"conflict-{app_id}"):
            typed[f"conflict-{app_id}"] = "yes"
            if not reason:
                errors[f"reason-{app_id}"] = Message("Say what connects you to this project.")
            elif len(reason) > conflicts.MAX_REASON:
                errors[f"reason-{app_id}"] = Message(
                    "Use at most %(n)s characters.", {"n": conflicts.MAX_REASON}
                )
            else:
                declarations[app_id] = reason
    none = bool(form.get("none"))
    if none:
        typed["none"] = "yes"
    return ConflictsInput(declarations, none, typed, errors)
