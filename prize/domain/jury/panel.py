"""The jury as a whole: a juror's onboarding, the secretariat's overview, reminders, and the
e-mails that tell the jury a round has opened.

Jurors themselves live in ``jurors`` (details, consent, links), conflicts in ``conflicts``, and
ballots in ``ballots``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from prize.domain.applicants.drafts import content_of
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.jury import ballots, conflicts, jurors
from prize.domain.jury import links as juror_links
from prize.domain.jury.conflicts import Suggestion
from prize.domain.shared import audit, outbox, throttle
from prize.models import (
    Application,
    ApplicationContent,
    Ballot,
    BallotStatus,
    Conflict,
    ContentKind,
    Edition,
    EditionState,
    Juror,
    Round,
    pk,
)

REMINDER_WINDOW = timedelta(hours=6)
JURY_STATES = (EditionState.shortlisting, EditionState.final)


# --------------------------------------------------------------------------- onboarding


def welcome(
    *, session: Session, juror: Juror, now: datetime, first_name: str, pledge: bool
) -> Juror:
    """The juror confirms (or corrects) their first name and accepts the confidentiality pledge.

    The name can be corrected only here, before it is first confirmed: afterwards it may stand
    on the public results page (with consent), so a change is refused and goes through the
    secretariat. A correction is audited as ``juror.name_corrected``, naming the field but not
    the names: the audit chain refers to people by id only, as it can never be edited when
    personal data is erased (docs/retention.md).
    """
    first_name = first_name.strip()
    if not first_name:
        raise DomainError("Give your first name.", field="first_name")
    if len(first_name) > 100:
        raise DomainError("Use at most %(n)s characters.", field="first_name", n=100)
    corrected = first_name != juror.first_name
    if corrected and juror.name_confirmed_at is not None:
        raise NotAllowed(
            "Your first name is confirmed already and can no longer be changed here: write to "
            "the secretariat if it needs correcting.",
            field="first_name",
        )
    if not pledge:
        raise DomainError("Accept the pledge to continue.", field="pledge")
    if corrected:
        audit.record(
            session=session,
            actor=jurors.actor_of(juror),
            kind="juror.name_corrected",
            now=now,
            edition_id=juror.edition_id,
            subject_kind="juror",
            subject_id=juror.id,
            data={"field": "first_name"},
        )
    juror.first_name = first_name
    juror.name_confirmed_at = juror.name_confirmed_at or now
    juror.pledge_accepted_at = juror.pledge_accepted_at or now
    juror.last_activity_at = now
    session.add(juror)
    audit.record(
        session=session,
        actor=jurors.actor_of(juror),
        kind="juror.pledge_accepted",
        now=now,
        edition_id=juror.edition_id,
        subject_kind="juror",
        subject_id=juror.id,
    )
    session.flush()
    return juror


def conflicts_due(edition: Edition) -> bool:
    """Conflicts are declared once the projects on the ballot are known (the first round on)."""
    return edition.state in JURY_STATES


def next_step(juror: Juror, edition: Edition) -> str | None:
    """The onboarding step the juror still has to take: ``welcome``, ``conflicts`` or None."""
    if juror.name_confirmed_at is None or juror.pledge_accepted_at is None:
        return "welcome"
    if juror.conflicts_declared_at is None and conflicts_due(edition):
        return "conflicts"
    return None


# --------------------------------------------------------------------------- the secretariat's view


@dataclass
class JurorRow:
    juror: Juror
    round: Round | None
    ballot: Ballot | None = None
    done: int = 0
    total: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    links_sent: int = 0
    minor: bool = False
    needs_consent: bool = False
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def submitted(self) -> bool:
        return self.ballot is not None and self.ballot.status is BallotStatus.submitted


def overview(*, session: Session, edition: Edition, now: datetime) -> list[JurorRow]:
    """Each juror with their progress in the current round, conflicts and links sent."""
    everyone = jurors.jurors_of(session=session, edition=edition)
    round_ = ballots.state_round(edition)
    recorded = conflicts.conflicts_by_juror(session=session, edition=edition)
    sent = jurors.links_sent(session=session, edition=edition)
    suggested = conflicts.suggestions(session=session, edition=edition, jurors=everyone)
    rows = []
    for juror in everyone:
        row = JurorRow(
            juror=juror,
            round=round_,
            conflicts=recorded.get(pk(juror), []),
            links_sent=sent.get(juror.email, 0),
            minor=jurors.is_minor(juror, now),
            needs_consent=jurors.needs_guardian_consent(juror, now),
            suggestions=suggested.get(pk(juror), []),
        )
        if round_ is not None:
            view = ballots.ballot_view(
                session=session, juror=juror, edition=edition, round_=round_, contents=False
            )
            row.ballot, row.done, row.total = view.ballot, view.done, view.total
        rows.append(row)
    return rows


def ballots_of(*, session: Session, juror: Juror) -> list[Ballot]:
    return list(
        session.exec(select(Ballot).where(Ballot.juror_id == juror.id).order_by(col(Ballot.id)))
    )


@dataclass
class JurorPage:
    """What the back office shows of one juror: their row of the overview, the projects a
    recorded conflict may name (with their submitted texts), their ballots, whom they replace
    or were replaced by, and the round open now, if any."""

    edition: Edition
    juror: Juror
    row: JurorRow
    candidates: list[tuple[Application, ApplicationContent | None]]
    ballots: list[Ballot]
    replaced_by: Juror | None
    replaces: Juror | None
    open_round: Round | None


def juror_page(*, session: Session, juror: Juror, now: datetime) -> JurorPage:
    edition = jurors.edition_of(session=session, juror=juror)
    row = next(
        r for r in overview(session=session, edition=edition, now=now) if r.juror.id == juror.id
    )
    candidates = [
        (a, content_of(session=session, application=a, kind=ContentKind.submitted))
        for a in conflicts.candidate_applications(session=session, edition=edition)
    ]
    return JurorPage(
        edition=edition,
        juror=juror,
        row=row,
        candidates=candidates,
        ballots=ballots_of(session=session, juror=juror),
        replaced_by=session.exec(select(Juror).where(Juror.replaces_id == juror.id)).first(),
        replaces=session.get(Juror, juror.replaces_id) if juror.replaces_id else None,
        open_round=ballots.open_round(edition, now),
    )


# --------------------------------------------------------------------------- e-mails to the jury


def _reachable(juror: Juror) -> bool:
    return juror.active and juror.invited_at is not None and juror.revoked_at is None


def _queue_round_mail(
    session: Session,
    template: str,
    juror: Juror,
    edition: Edition,
    round_: Round,
    now: datetime,
    links: juror_links.BallotLinks | None,
    **extra: object,
) -> None:
    """E-mail the juror about ``round_``: when it closes and their link (when ``links`` can
    make it), with ``extra`` in the template's context."""
    outbox.queue(
        session=session,
        kind=template,
        recipient=juror.email,
        language=juror.language,
        template=template,
        context={
            "juror": juror,
            "edition": edition,
            "round": round_.value,
            "closes_at": ballots.closes_at(edition, round_),
            "link": links.url(juror) if links else "",
            **extra,
        },
        now=now,
        mail_domain=links.mail_domain if links else "prize.invalid",
        edition_id=edition.id,
    )


@dataclass
class Reminded:
    sent: list[Juror] = field(default_factory=list)
    skipped: list[Juror] = field(default_factory=list)  # reminded within REMINDER_WINDOW


def remind(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    links: juror_links.BallotLinks,
) -> Reminded:
    """E-mail every invited juror who has not submitted in the open round; a juror reminded in
    the last hours is skipped, so a double click sends once."""
    # Lock the edition row so that two clicks at once are counted one after the other.
    session.exec(select(Edition).where(Edition.id == edition.id).with_for_update()).one()
    round_ = ballots.require_open_round(edition, now)
    report = Reminded()
    for juror in jurors.jurors_of(session=session, edition=edition, active_only=True):
        if not _reachable(juror):
            continue
        ballot = ballots.get_ballot(session=session, juror=juror, round_=round_)
        if ballot is not None and ballot.status is BallotStatus.submitted:
            continue
        key = f"jury-reminder:{juror.id}:{round_.value}"
        if not throttle.hit(session=session, key=key, now=now, limit=1, window=REMINDER_WINDOW):
            report.skipped.append(juror)
            continue
        view = ballots.ballot_view(
            session=session, juror=juror, edition=edition, round_=round_, contents=False
        )
        _queue_round_mail(
            session,
            "juror_reminder",
            juror,
            edition,
            round_,
            now,
            links,
            done=view.done,
            total=view.total,
        )
        report.sent.append(juror)
    if report.sent:
        audit.record(
            session=session,
            actor=actor,
            kind="jury.reminded",
            now=now,
            edition_id=edition.id,
            subject_kind="edition",
            subject_id=edition.id,
            data={"round": round_.value, "jurors": [j.id for j in report.sent]},
        )
    return report


@dataclass
class Invited:
    sent: list[Juror] = field(default_factory=list)
    waiting_for_consent: list[Juror] = field(default_factory=list)


def invite_all(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    links: juror_links.BallotLinks,
) -> Invited:
    """Invite every active juror not invited yet; a minor without a guardian's consent waits."""
    report = Invited()
    for juror in jurors.jurors_of(session=session, edition=edition, active_only=True):
        if juror.invited_at is not None:
            continue
        if jurors.needs_guardian_consent(juror, now):
            report.waiting_for_consent.append(juror)
            continue
        juror_links.invite(session=session, actor=actor, now=now, juror=juror, links=links)
        report.sent.append(juror)
    return report


def notify_round_open(
    *,
    session: Session,
    edition: Edition,
    now: datetime,
    links: juror_links.BallotLinks | None = None,
) -> int:
    """Tell every invited juror that a round has opened, with their link when ``links`` can make
    it (called by ``transitions.move``)."""
    round_ = ballots.state_round(edition)
    if round_ is None:
        return 0
    count = 0
    for juror in jurors.jurors_of(session=session, edition=edition, active_only=True):
        if not _reachable(juror):
            continue
        missed = round_ is Round.final and missed_first_round(session=session, juror=juror)
        _queue_round_mail(
            session, "ballot_round_open", juror, edition, round_, now, links, missed_first=missed
        )
        count += 1
    return count


def missed_first_round(*, session: Session, juror: Juror) -> bool:
    """True when the juror's first-round ballot was not submitted when that round ended (the
    final round has begun or the jury's work is over): it was not counted."""
    edition = jurors.edition_of(session=session, juror=juror)
    if edition.state in (EditionState.draft, EditionState.open, EditionState.screening):
        return False
    if edition.state is EditionState.shortlisting or juror.invited_at is None:
        return False
    closed = edition.shortlist_closes_at
    if closed is not None and juror.invited_at >= closed:  # joined for the final round
        return False
    ballot = ballots.get_ballot(session=session, juror=juror, round_=Round.shortlist)
    return ballot is None or ballot.status is not BallotStatus.submitted


def submitted_count(*, session: Session, edition: Edition, round_: Round) -> tuple[int, int]:
    """How many of the jurors a round counts on (active, not revoked; or revoked after
    submitting) have submitted their ballot in it: ``(submitted, jurors)``."""
    submitted = jurors_counted = 0
    for juror in jurors.jurors_of(session=session, edition=edition, active_only=True):
        ballot = ballots.get_ballot(session=session, juror=juror, round_=round_)
        done = ballot is not None and ballot.status is BallotStatus.submitted
        if juror.revoked_at is not None and not done:
            continue
        jurors_counted += 1
        submitted += done
    return submitted, jurors_counted
