"""An edition's criteria: what one holds (``CriterionSpec``), reading them, and the secretariat's
changes (added, edited, removed, reordered).

Criteria (like the score scale) are frozen once any juror's score exists for the edition.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from prize.domain.editions.bands import MAX_BAND
from prize.domain.errors import DomainError, NotAllowed, NotFound
from prize.domain.shared import audit
from prize.i18n import Message, Plural
from prize.models import Criterion, Edition, EditionState, Score, pk


@dataclass(frozen=True)
class CriterionSpec:
    name_en: str
    description_en: str
    weight: float = 1.0
    name_fr: str = ""
    description_fr: str = ""
    # One (en, fr) sentence per band of scores, "" for the default (see ``bands``).
    bands: tuple[tuple[str, str], ...] = ()


def fields_of(spec: CriterionSpec) -> dict[str, Any]:
    """The spec as a criterion's columns (the bands as the JSON lists they are stored as)."""
    fields = asdict(spec)
    fields["bands"] = [list(pair) for pair in spec.bands]
    return fields


def check_criterion(spec: CriterionSpec) -> None:
    if not spec.name_en.strip():
        raise DomainError("Enter the criterion's name in English.", field="name_en")
    for name in ("name_en", "name_fr"):
        if len(getattr(spec, name)) > 200:
            raise DomainError("Use at most %(n)s characters.", field=name, n=200)
    if not (0 < spec.weight <= 100):
        raise DomainError("The weight must be more than 0 and at most 100.", field="weight")
    for index, pair in enumerate(spec.bands):
        for language, sentence in zip(("en", "fr"), pair, strict=True):
            name = f"band-{index}-{language}"
            if len(sentence) > MAX_BAND:
                raise DomainError("Use at most %(n)s characters.", field=name, n=MAX_BAND)


def criteria_of(*, session: Session, edition: Edition) -> list[Criterion]:
    return list(
        session.exec(
            select(Criterion)
            .where(Criterion.edition_id == edition.id)
            .order_by(col(Criterion.position))
        )
    )


def scores_recorded(*, session: Session, edition: Edition) -> bool:
    """True once any juror's score exists for the edition: its criteria and scale are frozen."""
    found = session.exec(
        select(Score.id).join(Criterion).where(Criterion.edition_id == edition.id).limit(1)
    ).first()
    return found is not None


def _editable(session: Session, edition: Edition) -> None:
    if edition.state is EditionState.published or edition.archived:
        raise NotAllowed("Published results never change.")
    if scores_recorded(session=session, edition=edition):
        raise NotAllowed("Scores are recorded: the criteria are frozen.")


def _record(
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    kind: str,
    criterion: Criterion,
    **data: object,
) -> None:
    audit.record(
        session=session,
        actor=actor,
        kind=kind,
        now=now,
        edition_id=edition.id,
        subject_kind="criterion",
        subject_id=criterion.id,
        data={"name_en": criterion.name_en, **data},
    )


def get(*, session: Session, edition: Edition, criterion_id: int) -> Criterion:
    criterion = session.get(Criterion, criterion_id)
    if criterion is None or criterion.edition_id != edition.id:
        raise NotFound("There is no such criterion.")
    return criterion


def add(
    *, session: Session, actor: audit.Actor, now: datetime, edition: Edition, spec: CriterionSpec
) -> Criterion:
    _editable(session, edition)
    check_criterion(spec)
    existing = criteria_of(session=session, edition=edition)
    criterion = Criterion(
        edition_id=pk(edition),
        position=(existing[-1].position + 1) if existing else 1,
        **fields_of(spec),
    )
    session.add(criterion)
    session.flush()
    _record(session, actor, now, edition, "criterion.added", criterion, weight=spec.weight)
    return criterion


def update(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    criterion_id: int,
    spec: CriterionSpec,
) -> Criterion:
    criterion = get(session=session, edition=edition, criterion_id=criterion_id)
    _editable(session, edition)
    check_criterion(spec)
    changes = {
        name: value for name, value in fields_of(spec).items() if getattr(criterion, name) != value
    }
    if not changes:
        return criterion
    before_weight = criterion.weight
    for name, value in changes.items():
        setattr(criterion, name, value)
    session.add(criterion)
    session.flush()
    data: dict[str, object] = {"changed": sorted(changes)}
    if "weight" in changes:
        data["weight"] = {"from": before_weight, "to": criterion.weight}
    _record(session, actor, now, edition, "criterion.updated", criterion, **data)
    return criterion


def remove(
    *, session: Session, actor: audit.Actor, now: datetime, edition: Edition, criterion_id: int
) -> None:
    criterion = get(session=session, edition=edition, criterion_id=criterion_id)
    _editable(session, edition)
    others = [c for c in criteria_of(session=session, edition=edition) if c.id != criterion.id]
    if not others and edition.state is not EditionState.draft:
        raise NotAllowed("The call is open: keep at least one criterion.")
    _record(session, actor, now, edition, "criterion.removed", criterion)
    session.delete(criterion)
    session.flush()
    for position, other in enumerate(others, start=1):  # close the gap, one row at a time
        if other.position != position:
            other.position = position
            session.add(other)
            session.flush()


def removal_consequences(*, session: Session, edition: Edition, criterion_id: int) -> list[Message]:
    """What removing the criterion removes, in numbers: the criterion, the jurors' scores that
    refer to it (none while the criteria can change), and the criteria that remain."""
    criterion = get(session=session, edition=edition, criterion_id=criterion_id)
    scores = session.exec(
        select(func.count(col(Score.id))).where(Score.criterion_id == criterion.id)
    ).one()
    remaining = len(criteria_of(session=session, edition=edition)) - 1
    return [
        Message(
            "The criterion “%(name)s” (position %(position)s of edition %(year)s) is removed, "
            "with its descriptions and its bands.",
            {"name": criterion.name_en, "position": criterion.position, "year": edition.year},
        ),
        Plural(
            "%(num)s juror's score refers to it.",
            "%(num)s jurors' scores refer to it.",
            scores,
        )
        if scores
        else Message("No juror's score refers to it: no score or ballot is removed."),
        Plural(
            "%(num)s criterion remains, numbered in its order.",
            "%(num)s criteria remain, numbered again in their order.",
            remaining,
        ),
    ]


def move(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    criterion_id: int,
    up: bool,
) -> Criterion:
    """Swap the criterion with the one above (``up``) or below it."""
    criterion = get(session=session, edition=edition, criterion_id=criterion_id)
    _editable(session, edition)
    ordered = criteria_of(session=session, edition=edition)
    index = next(i for i, c in enumerate(ordered) if c.id == criterion.id)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(ordered):
        return criterion
    other = ordered[other_index]
    mine, theirs = criterion.position, other.position
    criterion.position = 0  # free the place first: (edition, position) is unique
    session.add(criterion)
    session.flush()
    other.position = mine
    session.add(other)
    session.flush()
    criterion.position = theirs
    session.add(criterion)
    session.flush()
    _record(session, actor, now, edition, "criterion.moved", criterion, position=criterion.position)
    return criterion
