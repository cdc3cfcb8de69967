"""Decisions: the secretariat's confirmed shortlist, winners, nominated projects and mention.

``record_shortlist`` and ``record_final`` store what was decided, each in one audited step.
They do not compare with the tally: ``confirm_shortlist`` and ``confirm_final`` do that, and
require a reason for every application the secretariat moved away from the tally's proposal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import Session, col, delete, select

from prize.domain.applicants.drafts import content_of
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.results import tally_input
from prize.domain.shared import audit, outbox
from prize.i18n import N_
from prize.models import (
    ActorKind,
    Application,
    ApplicationStatus,
    Award,
    ContentKind,
    Decision,
    Edition,
    EditionState,
    Round,
    pk,
)

MAX_WINNERS = 3


def _staff_id(actor: audit.Actor) -> int | None:
    return actor.id if actor.kind is ActorKind.staff else None


def _applications(session: Session, edition: Edition, ids: Iterable[int]) -> dict[int, Application]:
    wanted = sorted(set(ids))
    found = {
        pk(a): a
        for a in session.exec(
            select(Application).where(
                Application.edition_id == edition.id, col(Application.id).in_(wanted)
            )
        )
    }
    missing = [i for i in wanted if i not in found]
    if missing:
        raise DomainError(
            "Application %(id)s is not part of this edition.", field="applications", id=missing[0]
        )
    return found


def _clean_reasons(reasons: Mapping[int, str] | None) -> dict[int, str]:
    return {int(k): v.strip() for k, v in (reasons or {}).items() if v and v.strip()}


def _replace_decisions(
    session: Session,
    edition: Edition,
    stage: Round,
    plan: Iterable[tuple[int, Award, int | None]],
    *,
    actor: audit.Actor,
    now: datetime,
    reasons: Mapping[int, str] | None,
    kind: str,
    data: dict[str, object],
) -> list[Decision]:
    """Replace the round's decisions by ``plan`` (application, award, rank), audited as ``kind``.

    An application with a reason in ``reasons`` is recorded as an override of the proposal.
    """
    notes = _clean_reasons(reasons)
    session.exec(
        delete(Decision).where(col(Decision.edition_id) == edition.id, col(Decision.stage) == stage)
    )
    session.flush()
    rows = [
        Decision(
            edition_id=pk(edition),
            application_id=app_id,
            stage=stage,
            award=award,
            rank=rank,
            proposed=app_id not in notes,
            reason=notes.get(app_id, ""),
            decided_by=_staff_id(actor),
            decided_at=now,
        )
        for app_id, award, rank in plan
    ]
    session.add_all(rows)
    audit.record(
        session=session,
        actor=actor,
        kind=kind,
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        reason="; ".join(f"{k}: {v}" for k, v in sorted(notes.items())),
        data=data | {"overrides": {str(k): v for k, v in sorted(notes.items())}},
    )
    session.flush()
    return rows


def shortlist_of(*, session: Session, edition: Edition) -> list[Decision]:
    """The confirmed shortlist, in its recorded order."""
    return list(
        session.exec(
            select(Decision)
            .where(
                Decision.edition_id == edition.id,
                Decision.stage == Round.shortlist,
                Decision.award == Award.shortlisted,
            )
            .order_by(col(Decision.rank), col(Decision.application_id))
        )
    )


def final_of(*, session: Session, edition: Edition) -> list[Decision]:
    """The recorded winners (by rank), nominated projects (by rank) and special mentions."""
    rows = session.exec(
        select(Decision).where(Decision.edition_id == edition.id, Decision.stage == Round.final)
    ).all()
    order = {Award.winner: 0, Award.nominated: 1, Award.special_mention: 2}
    return sorted(rows, key=lambda d: (order.get(d.award, 3), d.rank or 10**6, d.application_id))


def record_shortlist(
    *,
    session: Session,
    edition: Edition,
    application_ids: Iterable[int],
    actor: audit.Actor,
    now: datetime,
    reasons: dict[int, str] | None = None,
) -> list[Decision]:
    """Store the shortlist (replacing an earlier one of the same round), audited.

    The order of ``application_ids`` is the shortlist's order (its ``rank``). An application
    with a reason in ``reasons`` is recorded as an override of the tally's proposal.
    """
    session.refresh(edition, with_for_update=True)  # two clicks at once: one after the other
    if edition.state is not EditionState.shortlisting:
        raise NotAllowed("The shortlist is confirmed during the first jury round.")
    ordered = list(dict.fromkeys(int(i) for i in application_ids))
    if not ordered:
        raise DomainError(
            "Choose at least one application for the shortlist.", field="applications"
        )
    apps = _applications(session, edition, ordered)
    for app_id in ordered:
        if apps[app_id].status is not ApplicationStatus.eligible:
            raise DomainError(
                "Only eligible applications can be shortlisted (%(ref)s is not).",
                field="applications",
                ref=apps[app_id].reference or app_id,
            )
    return _replace_decisions(
        session,
        edition,
        Round.shortlist,
        [(a, Award.shortlisted, rank) for rank, a in enumerate(ordered, start=1)],
        actor=actor,
        now=now,
        reasons=reasons,
        kind="shortlist.confirmed",
        data={"applications": ordered},
    )


def record_final(
    *,
    session: Session,
    edition: Edition,
    winner_ids: Iterable[int],
    nominated_ids: Iterable[int],
    actor: audit.Actor,
    now: datetime,
    special_mention_ids: Iterable[int] = (),
    reasons: dict[int, str] | None = None,
) -> list[Decision]:
    """Store the winners (ranked 1-3), the nominated projects and any special mention, audited.

    Winners and nominated projects come from the shortlist; a special mention may come from
    any eligible application. Replaces an earlier record while the final round is open.
    """
    session.refresh(edition, with_for_update=True)
    if edition.state is not EditionState.final:
        raise NotAllowed("Winners are recorded during the final round.")
    winners = list(dict.fromkeys(int(i) for i in winner_ids))
    nominated = [i for i in dict.fromkeys(int(i) for i in nominated_ids) if i not in winners]
    mentions = [
        i
        for i in dict.fromkeys(int(i) for i in special_mention_ids)
        if i not in winners and i not in nominated
    ]
    if not winners:
        raise DomainError("Choose at least one winner.", field="winners")
    if len(winners) > MAX_WINNERS:
        raise DomainError("There are at most %(n)s winners.", field="winners", n=MAX_WINNERS)
    shortlisted = {d.application_id for d in shortlist_of(session=session, edition=edition)}
    for app_id in (*winners, *nominated):
        if app_id not in shortlisted:
            raise DomainError(
                "Winners and nominated projects come from the shortlist.", field="winners"
            )
    apps = _applications(session, edition, (*winners, *nominated, *mentions))
    for app_id in mentions:
        if apps[app_id].status is not ApplicationStatus.eligible:
            raise DomainError(
                "A special mention goes to an eligible application.", field="special_mention"
            )
    plan: list[tuple[int, Award, int | None]] = [
        *((a, Award.winner, rank) for rank, a in enumerate(winners, start=1)),
        *((a, Award.nominated, rank) for rank, a in enumerate(nominated, start=len(winners) + 1)),
        *((a, Award.special_mention, None) for a in mentions),
    ]
    return _replace_decisions(
        session,
        edition,
        Round.final,
        plan,
        actor=actor,
        now=now,
        reasons=reasons,
        kind="final.confirmed",
        data={"winners": winners, "nominated": nominated, "special_mentions": mentions},
    )


# --------------------------------------------------------------------------- against the tally


class ReasonsMissing(DomainError):
    """An override of the tally's proposal without a reason for each changed application."""

    def __init__(self, application_ids: list[int]) -> None:
        super().__init__(
            N_("Give a reason for each application you moved away from the proposal."),
            field="reasons",
        )
        self.application_ids = application_ids


def _require_reasons(changed: Iterable[int], reasons: Mapping[int, str]) -> dict[int, str]:
    notes = _clean_reasons(reasons)
    missing = sorted(a for a in changed if a not in notes)
    if missing:
        raise ReasonsMissing(missing)
    return {a: notes[a] for a in sorted(changed)}


def confirm_shortlist(
    *,
    session: Session,
    edition: Edition,
    application_ids: Iterable[int],
    actor: audit.Actor,
    now: datetime,
    reasons: Mapping[int, str] | None = None,
) -> list[Decision]:
    """Confirm the tally's proposed shortlist, or override it with a reason per change."""

    result = tally_input.tally_of(session=session, edition=edition, round_=Round.shortlist)
    chosen = set(int(i) for i in application_ids)
    changed = chosen ^ set(result.proposal.selected)
    notes = _require_reasons(changed, reasons or {})
    position = {e.application: e.position for e in result.ranking}
    ordered = sorted(chosen, key=lambda a: (position.get(a, 10**6), a))
    return record_shortlist(
        session=session,
        edition=edition,
        application_ids=ordered,
        actor=actor,
        now=now,
        reasons=notes,
    )


def confirm_final(
    *,
    session: Session,
    edition: Edition,
    awards: Mapping[int, str],
    actor: audit.Actor,
    now: datetime,
    special_mention: int | None = None,
    reasons: Mapping[int, str] | None = None,
) -> list[Decision]:
    """Confirm or override the proposed winners and nominated projects (``awards`` maps each
    shortlisted application to "winner", "nominated" or "" for neither), with an optional
    special mention. A reason is needed for each award that differs from the proposal."""

    result = tally_input.tally_of(session=session, edition=edition, round_=Round.final)
    proposed = {a: "winner" for a in result.proposal.selected} | {
        a: "nominated" for a in result.proposal.nominated
    }
    given = {int(a): v for a, v in awards.items() if v in ("winner", "nominated")}
    if special_mention is not None:
        given.pop(special_mention, None)
    changed = {a for a in set(proposed) | set(given) if proposed.get(a, "") != given.get(a, "")}
    notes = _require_reasons(changed, reasons or {})
    mention_note = _clean_reasons(reasons).get(special_mention or -1, "")
    if special_mention is not None and mention_note:
        notes[special_mention] = mention_note
    position = {e.application: e.position for e in result.ranking}

    def in_order(kind: str) -> list[int]:
        return sorted(
            (a for a, v in given.items() if v == kind), key=lambda a: (position.get(a, 10**6), a)
        )

    return record_final(
        session=session,
        edition=edition,
        winner_ids=in_order("winner"),
        nominated_ids=in_order("nominated"),
        special_mention_ids=[special_mention] if special_mention is not None else [],
        actor=actor,
        now=now,
        reasons=notes,
    )


# --------------------------------------------------------------------------- telling them


MAIL_OF = {
    Award.winner: "decision_winner",
    Award.nominated: "decision_nominated",
    Award.special_mention: "decision_special_mention",
}


def notify_decided(
    *, session: Session, edition: Edition, now: datetime, mail_domain: str = "prize.invalid"
) -> int:
    """E-mail each winner, nominated project and special mention privately, in the applicant's
    language, under embargo until publication. Called by ``transitions.move`` on ``decided``."""
    rows = final_of(session=session, edition=edition)
    sent = 0
    for decision in rows:
        template = MAIL_OF.get(decision.award)
        application = session.get(Application, decision.application_id)
        if template is None or application is None or application.erased_at is not None:
            continue
        content = content_of(session=session, application=application, kind=ContentKind.submitted)
        outbox.queue(
            session=session,
            kind=template,
            recipient=application.email,
            language=application.language,
            template=template,
            context={
                "edition": edition,
                "year": edition.year,
                "reference": application.reference or "",
                "title": content.title if content else "",
                "announce_at": edition.announce_at,
            },
            now=now,
            mail_domain=mail_domain,
            edition_id=edition.id,
        )
        sent += 1
    return sent
