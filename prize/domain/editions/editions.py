"""Editions: creating them, reading them, and (see ``transitions``) moving them through their life."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from prize import countries
from prize.domain.editions.criteria import (
    CriterionSpec,
    check_criterion,
    fields_of,
    scores_recorded,
)
from prize.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from prize.domain.shared import audit, labels
from prize.i18n import N_
from prize.models import (
    Application,
    ApplicationStatus,
    Criterion,
    Edition,
    EditionState,
    pk,
)

PUBLIC_STATES = tuple(s for s in EditionState if s is not EditionState.draft)


def create_edition(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    year: int,
    title_en: str,
    opens_at: datetime,
    deadline: datetime,
    title_fr: str = "",
    call_en: str = "",
    call_fr: str = "",
    prize_en: str = "",
    prize_fr: str = "",
    eligible_countries: Sequence[str] = countries.DEFAULT_ELIGIBLE,
    criteria: Sequence[CriterionSpec] = (),
    shortlist_closes_at: datetime | None = None,
    final_closes_at: datetime | None = None,
    announce_at: datetime | None = None,
    shortlist_size: int = 7,
    scale_min: int = 0,
    scale_max: int = 10,
    normalise: bool = True,
    quorum: int = 3,
    shortlist_embargo: bool = True,
    is_sample: bool = False,
    archived: bool = False,
    rehearsal: bool = False,
    rehearsal_recipients: Sequence[str] = (),
) -> Edition:
    """A new edition, a draft. A rehearsal shares its year with the real edition, if any: the
    year is unique among real editions, and among rehearsals."""
    if _year_taken(session, year=year, rehearsal=rehearsal):
        if rehearsal:
            raise Conflict(
                "There is already a rehearsal of %(year)s: delete it first.",
                field="year",
                year=year,
            )
        raise Conflict("There is already an edition %(year)s.", field="year", year=year)
    edition = Edition(
        year=year,
        title_en=title_en,
        title_fr=title_fr,
        call_en=call_en,
        call_fr=call_fr,
        prize_en=prize_en,
        prize_fr=prize_fr,
        opens_at=opens_at,
        deadline=deadline,
        shortlist_closes_at=shortlist_closes_at,
        final_closes_at=final_closes_at,
        announce_at=announce_at,
        eligible_countries=sorted({c.upper() for c in eligible_countries}),
        shortlist_size=shortlist_size,
        scale_min=scale_min,
        scale_max=scale_max,
        normalise=normalise,
        shortlist_embargo=shortlist_embargo,
        quorum=quorum,
        is_sample=is_sample,
        archived=archived,
        rehearsal=rehearsal,
        rehearsal_recipients=list(rehearsal_recipients) if rehearsal else [],
        created_at=now,
        updated_at=now,
    )
    check(edition)
    for spec in criteria:
        check_criterion(spec)
    session.add(edition)
    session.flush()
    for position, spec in enumerate(criteria, start=1):
        session.add(
            Criterion(
                edition_id=pk(edition),
                position=position,
                **fields_of(spec),
            )
        )
    audit.record(
        session=session,
        actor=actor,
        kind="edition.created",
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        data={"year": year, **({"rehearsal": True} if rehearsal else {})},
    )
    session.flush()
    return edition


def _year_taken(
    session: Session, *, year: int, rehearsal: bool, other_than: int | None = None
) -> bool:
    query = select(Edition.id).where(Edition.year == year, Edition.rehearsal == rehearsal)
    if other_than is not None:
        query = query.where(Edition.id != other_than)
    return session.exec(query).first() is not None


def get_by_year(
    *, session: Session, year: int, public: bool = False, rehearsal: bool | None = None
) -> Edition:
    """The edition of ``year``: the real one when a rehearsal shares its year; with
    ``rehearsal``, exactly the real one (False) or the rehearsal (True), as the back office's
    addresses name them. The public never sees a rehearsal, nor a draft."""
    query = select(Edition).where(Edition.year == year).order_by(col(Edition.rehearsal))
    if public:
        rehearsal = False
    if rehearsal is not None:
        query = query.where(col(Edition.rehearsal).is_(rehearsal))
    edition = session.exec(query).first()
    if edition is None or (public and edition.state is EditionState.draft):
        raise NotFound("There is no edition %(year)s.", year=year)
    return edition


def get_by_id(*, session: Session, edition_id: int) -> Edition:
    edition = session.get(Edition, edition_id)
    if edition is None:
        raise NotFound("There is no such edition.")
    return edition


def current_call(*, session: Session) -> Edition | None:
    """The edition the home page presents: the newest one that is open or further along,
    leaving out sample and archived editions."""
    return session.exec(
        select(Edition)
        .where(col(Edition.state).in_(PUBLIC_STATES))
        .where(col(Edition.is_sample).is_(False))
        .where(col(Edition.archived).is_(False))
        .where(col(Edition.rehearsal).is_(False))
        .order_by(col(Edition.year).desc())
        .limit(1)
    ).first()


def public_editions(*, session: Session) -> list[Edition]:
    return list(
        session.exec(
            select(Edition)
            .where(col(Edition.state).in_(PUBLIC_STATES) | col(Edition.archived))
            .where(col(Edition.rehearsal).is_(False))
            .order_by(col(Edition.year).desc())
        )
    )


def accepts_applications(edition: Edition, now: datetime) -> bool:
    """Open by state *and* by the server's clock: between the opening instant and the deadline."""
    return edition.state is EditionState.open and edition.opens_at <= now < edition.deadline


# --------------------------------------------------------------------------- the secretariat's edits

# Which states allow a field to change (published editions never change).
_S = EditionState
_BEFORE_SCREENING = {_S.draft, _S.open}
_EDITABLE_IN: dict[str, set[EditionState]] = {
    "year": {_S.draft},
    "opens_at": _BEFORE_SCREENING,
    "deadline": _BEFORE_SCREENING,
    "eligible_countries": {_S.draft, _S.open, _S.screening},
    "shortlist_closes_at": {_S.draft, _S.open, _S.screening, _S.shortlisting},
    "final_closes_at": {_S.draft, _S.open, _S.screening, _S.shortlisting, _S.final},
    "shortlist_size": {_S.draft, _S.open, _S.screening, _S.shortlisting},
    "shortlist_embargo": {_S.draft, _S.open, _S.screening, _S.shortlisting},
    "normalise": {_S.draft, _S.open, _S.screening, _S.shortlisting, _S.final},
    "quorum": {_S.draft, _S.open, _S.screening, _S.shortlisting, _S.final},
}
_FROZEN_MESSAGES = {
    "year": N_("The year can change only while the edition is a draft."),
    "opens_at": N_("The opening can change only before screening."),
    "deadline": N_(
        "The deadline can change only while the call is open; to extend it during "
        "screening, reopen the call with a new deadline."
    ),
    "eligible_countries": N_("The eligible countries cannot change once the jury rounds begin."),
    "shortlist_closes_at": N_("The first round's closing instant cannot change after the round."),
    "final_closes_at": N_("The final round's closing instant cannot change after the round."),
    "shortlist_size": N_("The shortlist size cannot change after the first round."),
    "shortlist_embargo": N_(
        "Whether the shortlist is under embargo cannot change once the shortlisted applicants "
        "are told."
    ),
    "normalise": N_("The method cannot change once the results are decided."),
    "quorum": N_("The quorum cannot change once the results are decided."),
}
EDITABLE_FIELDS = (
    "year",
    "title_en",
    "title_fr",
    "call_en",
    "call_fr",
    "prize_en",
    "prize_fr",
    "opens_at",
    "deadline",
    "shortlist_closes_at",
    "final_closes_at",
    "announce_at",
    "eligible_countries",
    "shortlist_size",
    "scale_min",
    "scale_max",
    "normalise",
    "quorum",
    "shortlist_embargo",
    "rehearsal_recipients",
)
# Changes the audit log keeps as "changed" only (texts; the addresses a rehearsal may write to).
_TEXT_FIELDS = {
    "title_en",
    "title_fr",
    "call_en",
    "call_fr",
    "prize_en",
    "prize_fr",
    "rehearsal_recipients",
}


FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_year(year: int) -> None:
    """An edition's year is one of this century's (a typo of a digit is refused, not stored)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError("Enter a year between 2000 and 2100.", field="year")


def check(edition: Edition) -> None:
    """The rules an edition's settings keep, whatever its state; the first broken one raises."""
    check_year(edition.year)
    if not edition.title_en.strip():
        raise DomainError("Enter the title in English.", field="title_en")
    for name in ("title_en", "title_fr"):
        if len(getattr(edition, name)) > 200:
            raise DomainError("Use at most %(n)s characters.", field=name, n=200)
    if edition.deadline <= edition.opens_at:
        raise DomainError("The deadline must come after the opening.", field="deadline")
    order = [
        ("deadline", edition.deadline),
        ("shortlist_closes_at", edition.shortlist_closes_at),
        ("final_closes_at", edition.final_closes_at),
    ]
    last = edition.deadline
    for name, when in order[1:]:
        if when is None:
            continue
        if when <= last:
            raise DomainError(
                "Each date must come after the one before it (deadline, first round, final round).",
                field=name,
            )
        last = when
    if edition.announce_at is not None and edition.announce_at < last:
        raise DomainError(
            "The announcement cannot come before the deadline or a jury round closes.",
            field="announce_at",
        )
    if not 0 <= edition.scale_min < edition.scale_max <= 100:
        raise DomainError(
            "The scale needs 0 <= lowest < highest <= 100.",
            field="scale_max" if edition.scale_min >= 0 else "scale_min",
        )
    if not 1 <= edition.shortlist_size <= 50:
        raise DomainError("Enter a number from 1 to 50.", field="shortlist_size")
    if not 1 <= edition.quorum <= 50:
        raise DomainError("Enter a number from 1 to 50.", field="quorum")
    unknown = [c for c in edition.eligible_countries if not countries.is_known(c)]
    if unknown:
        raise DomainError(
            "Unknown country codes: %(codes)s.", field="countries", codes=", ".join(unknown)
        )


def all_editions(*, session: Session) -> list[Edition]:
    return list(
        session.exec(select(Edition).order_by(col(Edition.year).desc(), col(Edition.rehearsal)))
    )


def status_counts(*, session: Session, edition: Edition) -> dict[str, int]:
    """How many of the edition's applications are in each status (absent: none)."""
    rows = session.exec(
        select(Application.status, func.count())
        .where(Application.edition_id == edition.id)
        .group_by(col(Application.status))
    )
    return {ApplicationStatus(status).value: int(n) for status, n in rows}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def update_edition(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    values: Mapping[str, Any],
    reason: str = "",
) -> Edition:
    """Change an edition's settings; refuse what its state or recorded scores freeze."""
    if edition.state is EditionState.published:
        raise NotAllowed("Published results never change.")
    changed = _changes(edition, values)
    _refuse_frozen(session, edition=edition, changed=changed)
    if not changed:
        return edition
    data: dict[str, Any] = {}
    for name, value in changed.items():
        data[name] = _change_record(name, getattr(edition, name), value)
        setattr(edition, name, value)
    check(edition)
    edition.updated_at = now
    session.add(edition)
    audit.record(
        session=session,
        actor=actor,
        kind="edition.updated",
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        reason=reason.strip(),
        data=data,
    )
    session.flush()
    return edition


def _changes(edition: Edition, values: Mapping[str, Any]) -> dict[str, Any]:
    """The editable settings whose value differs from the edition's."""
    changed = {
        name: value
        for name, value in values.items()
        if name in EDITABLE_FIELDS and getattr(edition, name) != value
    }
    if not edition.rehearsal:
        changed.pop("rehearsal_recipients", None)
    if "eligible_countries" in changed:
        wanted = sorted({c.upper() for c in changed["eligible_countries"]})
        if wanted == edition.eligible_countries:
            del changed["eligible_countries"]
        else:
            changed["eligible_countries"] = wanted
    return changed


def _refuse_frozen(session: Session, *, edition: Edition, changed: Mapping[str, Any]) -> None:
    """Refuse a change the edition's state freezes, a scale once scores are recorded, and a
    year another edition has."""
    for name in changed:
        if name in _EDITABLE_IN and edition.state not in _EDITABLE_IN[name]:
            raise NotAllowed(_FROZEN_MESSAGES[name], field=_field(name))
    if {"scale_min", "scale_max"} & changed.keys() and scores_recorded(
        session=session, edition=edition
    ):
        raise NotAllowed("Scores are recorded: the scale is frozen.", field="scale_min")
    if "year" in changed and _year_taken(
        session, year=changed["year"], rehearsal=edition.rehearsal, other_than=edition.id
    ):
        raise Conflict("There is already an edition %(year)s.", field="year", year=changed["year"])


def _change_record(name: str, before: Any, value: Any) -> Any:
    """One change as the audit log keeps it: texts only as changed, countries added and
    removed, any other setting from and to."""
    if name in _TEXT_FIELDS:
        return "changed"
    if name == "eligible_countries":
        return {
            "added": sorted(set(value) - set(before)),
            "removed": sorted(set(before) - set(value)),
        }
    return {"from": _jsonable(before), "to": _jsonable(value)}


def _field(name: str) -> str:
    return "countries" if name == "eligible_countries" else name


def set_move_back_date(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    to: EditionState,
    reason: str,
    closes_at: datetime | None,
) -> None:
    """The new date a safe move back brings, checked and audited: ``screening -> open`` with a
    new deadline (extending the call), ``final -> shortlisting`` with a new closing instant for
    the first round. The move itself follows (``transitions.move_back``)."""
    if not reason.strip():
        raise DomainError("Give a reason for moving back.", field="reason")
    name = {
        (EditionState.screening, EditionState.open): "deadline",
        (EditionState.final, EditionState.shortlisting): "shortlist_closes_at",
    }.get((edition.state, to))
    if name is None:
        raise NotAllowed(
            "An edition cannot move from %(origin)s to %(to)s.",
            origin=labels.state(edition.state),
            to=labels.state(to),
        )
    if closes_at is None:
        raise DomainError("Enter the new date and time.", field="closes_at")
    if closes_at <= now:
        raise DomainError("Choose a date and time in the future.", field="closes_at")
    before = getattr(edition, name)
    if closes_at != before:
        setattr(edition, name, closes_at)
        try:
            check(edition)
        except DomainError as error:
            raise DomainError(
                error.message.msgid, field="closes_at", **error.message.params
            ) from None
        audit.record(
            session=session,
            actor=actor,
            kind="edition.updated",
            now=now,
            edition_id=edition.id,
            subject_kind="edition",
            subject_id=edition.id,
            reason=reason.strip(),
            data={name: {"from": _jsonable(before), "to": _jsonable(closes_at)}},
        )
