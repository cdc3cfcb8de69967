"""Moving an edition through its life, with what each move implies.

``move`` is the one way an edition changes state: it locks the edition's row, asks
``editions.lifecycle.check_move`` whether the move may be made now (the rules), writes the new
state and an ``edition.moved`` audit event, then runs the move's effects, each a call into the
context that owns it: the decision e-mails (``results.decisions``), the published figures
(``results.publication``), the applicants' shortlist and results e-mails and the jurors' thanks
(``results.announcements``), the jury's round e-mails (``jury.panel``). All of it happens in the
caller's transaction.

Guards that protect a fair process but may be overridden are explicit: ``cautions`` lists what
a move forward would cut short (the call, closed before its deadline; jurors who have not
submitted the round that ends, projects below the quorum); ``move`` refuses such a move without a
stated reason, and audits both. Closing the call early makes its deadline that minute and tells
each holder of a draft never submitted, or of changes not resubmitted (``call_closed_early``).
``consequences`` says, in numbers, what a move does: the secretariat's confirmation page shows
it (with the e-mails the move queues) before anything happens.

``update_edition`` saves an edition's settings; moving the deadline of an open call tells the
holders of drafts (and moving it earlier while drafts exist needs a reason), and so does opening
a closed call again with a new deadline (``move_back``).

The secretariat's moves with something more to them wrap ``move``: ``move_back`` (with its new
date), ``move_to_final``, ``decide`` and ``publish``; ``publish_due`` is the serving processes'
timed publication, the one move a date makes (see docs/design.md, "The edition lifecycle").

This module sits above the contexts whose effects it runs, so that ``editions``, the lowest of
them, imports none of them (``prize.domain`` says the direction).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from gettext import NullTranslations
from typing import Any

from sqlmodel import Session, col, select

from prize.domain.applicants import reminders
from prize.domain.applicants.links import LinkMaker
from prize.domain.editions import editions, lifecycle
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.jury import panel
from prize.domain.jury.links import BallotLinks
from prize.domain.results import announcements, decisions, publication, published, tally_input
from prize.domain.shared import audit, schedule
from prize.formats import When
from prize.i18n import N_, Message, Plural
from prize.models import Award, Edition, EditionState, Round

S = EditionState
# The round a move forward ends, whose ballots it counts as they are.
ENDS_ROUND = {S.final: Round.shortlist, S.decided: Round.final}
BELOW_QUORUM = "below_quorum"


def _effects(
    session: Session,
    edition: Edition,
    origin: EditionState,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None,
) -> None:
    """What entering the new state implies, inside the move's transaction; each effect is a call
    into the domain module that owns it."""
    mail_domain = links.mail_domain if links else "prize.invalid"
    if edition.state is S.decided and origin is S.final:
        decisions.notify_decided(
            session=session,
            edition=edition,
            now=now,
            mail_domain=mail_domain,
        )
    if edition.state is S.published:  # the published figures, written once, for good
        publication.record_publication(session=session, edition=edition, actor=actor, now=now)
        announcements.notify_published(
            session=session,
            edition=edition,
            now=now,
            site=links.base_url if links else "",
            mail_domain=mail_domain,
        )
    forward = lifecycle.FORWARD.get(origin) is edition.state
    if forward and edition.state is S.final:  # the shortlist is fixed: tell the applicants
        announcements.notify_shortlist(
            session=session, edition=edition, actor=actor, now=now, mail_domain=mail_domain
        )
    if forward and edition.state in (S.shortlisting, S.final):
        # tell the invited jurors that their round is open
        panel.notify_round_open(session=session, edition=edition, now=now, links=links)


def cautions(
    *, session: Session, edition: Edition, to: EditionState, now: datetime
) -> list[Message]:
    """What moving ``edition`` forward to ``to`` now would cut short: the call, before its
    deadline (``lifecycle.closes_early``); in the round it ends, jurors who have not submitted
    (their drafts will not count) and projects with fewer ballots than the quorum. Each is
    allowed, with a stated reason (``move`` refuses it without one)."""
    if lifecycle.closes_early(edition, to, now):
        return [
            Message(
                "The deadline, %(deadline)s, has not come: the call closes early.",
                {"deadline": When(edition.deadline, "deadline")},
            )
        ]
    round_ = ENDS_ROUND.get(to)
    if round_ is None or lifecycle.FORWARD.get(edition.state) is not to:
        return []
    found: list[Message] = []
    submitted, counted = panel.submitted_count(session=session, edition=edition, round_=round_)
    if submitted < counted:
        found.append(
            Plural(
                "%(num)s of %(total)s jurors has not submitted a ballot in this round; "
                "their draft will not count.",
                "%(num)s of %(total)s jurors have not submitted a ballot in this round; "
                "their drafts will not count.",
                counted - submitted,
                total=counted,
            )
        )
    below = _below_quorum(session, edition, round_)
    if below:
        found.append(
            Plural(
                "%(num)s project has fewer ballots than the quorum of %(quorum)s.",
                "%(num)s projects have fewer ballots than the quorum of %(quorum)s.",
                below,
                quorum=edition.quorum,
            )
        )
    return found


def _below_quorum(session: Session, edition: Edition, round_: Round) -> int:
    """How many projects that go on (the shortlist, after the first round; the awarded, after
    the final) have fewer ballots than the quorum in ``round_``."""
    if round_ is Round.shortlist:
        going_on = {
            d.application_id for d in decisions.shortlist_of(session=session, edition=edition)
        }
    else:
        going_on = {
            d.application_id
            for d in decisions.final_of(session=session, edition=edition)
            if d.award is not Award.special_mention
        }
    return _count_below_quorum(session, edition, round_, going_on)


def _count_below_quorum(
    session: Session, edition: Edition, round_: Round, application_ids: set[int]
) -> int:
    """How many of ``application_ids`` have fewer ballots than the quorum in ``round_``."""
    result = tally_input.tally_of(session=session, edition=edition, round_=round_)
    return sum(
        1 for e in result.ranking if e.application in application_ids and BELOW_QUORUM in e.flags
    )


def consequences(
    *, session: Session, edition: Edition, to: EditionState, now: datetime
) -> list[Message]:
    """What moving ``edition`` to ``to`` does, in numbers, for the page that asks to confirm it
    (the e-mails it sends are read from the outbox rows the move queues)."""
    origin = edition.state
    counts = editions.status_counts(session=session, edition=edition)
    found: list[Message] = []
    if (origin, to) == (S.draft, S.open):
        found.append(
            Message(
                N_(
                    "The rehearsal's call opens at once and stays private: only the secretariat "
                    "tries its form, until %(deadline)s."
                )
                if edition.rehearsal
                else N_(
                    "The call becomes public at once; applications are accepted until %(deadline)s."
                ),
                {"deadline": When(edition.deadline, "deadline")},
            )
        )
    elif (origin, to) == (S.open, S.screening) and lifecycle.closes_early(edition, to, now):
        found.extend(_closing_early(session, edition, counts))
    elif (origin, to) == (S.open, S.screening):
        found.append(
            Plural(
                "%(num)s application is submitted and goes to screening.",
                "%(num)s applications are submitted and go to screening.",
                counts.get("submitted", 0),
            )
        )
        found.append(
            Plural(
                "%(num)s draft was never submitted: it can no longer be.",
                "%(num)s drafts were never submitted: they can no longer be.",
                counts.get("draft", 0),
            )
        )
    elif (origin, to) == (S.screening, S.shortlisting):
        found.append(
            Plural(
                "%(num)s eligible application goes to the jury's first round.",
                "%(num)s eligible applications go to the jury's first round.",
                counts.get("eligible", 0),
            )
        )
    elif (origin, to) == (S.shortlisting, S.final):
        shortlist = decisions.shortlist_of(session=session, edition=edition)
        found.append(
            Message("The first round ends: its submitted ballots are counted as they are.")
        )
        found.append(
            Plural(
                "%(num)s shortlisted application goes to the final round.",
                "%(num)s shortlisted applications go to the final round.",
                len(shortlist),
            )
        )
    elif (origin, to) == (S.final, S.decided):
        found.extend(_awards(session, edition))
        found.append(
            Message("The jury's work is closed: ballot links stop working and no score changes.")
        )
    elif (origin, to) == (S.decided, S.published):
        found.append(Message("The results become public at once and can never be changed."))
        unnamed = sum(
            1 for c in published.consents_of(session=session, edition=edition) if c.lacks_name
        )
        if unnamed:
            found.append(
                Plural(
                    "%(num)s project is published without its name (no consent to publish it).",
                    "%(num)s projects are published without their names (no consent to publish "
                    "them).",
                    unnamed,
                )
            )
    elif (origin, to) == (S.screening, S.open):
        found.append(Message("The call opens again: applicants can start, edit and submit."))
        found.extend(_holders_told(session, edition))
    elif (origin, to) == (S.final, S.shortlisting):
        found.append(
            Message("The final round stops and the first round opens again for the jurors.")
        )
    return found


def _closing_early(session: Session, edition: Edition, counts: Mapping[str, int]) -> list[Message]:
    """What closing the call before its deadline does, in numbers: who is shut out and told."""
    drafts, revisions = reminders.shut_out_early(session=session, edition=edition)
    return [
        Message(
            "The call closes now, before its deadline of %(deadline)s: its deadline becomes "
            "this minute.",
            {"deadline": When(edition.deadline, "deadline")},
        ),
        Plural(
            "%(num)s application is submitted and goes to screening.",
            "%(num)s applications are submitted and go to screening.",
            counts.get("submitted", 0),
        ),
        Plural(
            "%(num)s draft was never submitted: it is shut out, and its holder is told the call "
            "has closed early.",
            "%(num)s drafts were never submitted: they are shut out, and their holders are told "
            "the call has closed early.",
            len(drafts),
        ),
        Plural(
            "%(num)s submitted application has changes not resubmitted: they are shut out (the "
            "version submitted is screened), and its holder is told.",
            "%(num)s submitted applications have changes not resubmitted: they are shut out (the "
            "versions submitted are screened), and their holders are told.",
            len(revisions),
        ),
    ]


def _awards(session: Session, edition: Edition) -> list[Message]:
    final = decisions.final_of(session=session, edition=edition)

    def count(award: Award) -> int:
        return sum(1 for d in final if d.award is award)

    return [
        Plural("%(num)s winner is recorded.", "%(num)s winners are recorded.", count(Award.winner)),
        Plural(
            "%(num)s nominated project is recorded.",
            "%(num)s nominated projects are recorded.",
            count(Award.nominated),
        ),
        Plural(
            "%(num)s special mention is recorded.",
            "%(num)s special mentions are recorded.",
            count(Award.special_mention),
        ),
    ]


def move(
    *,
    session: Session,
    edition: Edition,
    to: EditionState,
    actor: audit.Actor,
    now: datetime,
    reason: str = "",
    links: BallotLinks | None = None,
) -> Edition:
    """Move ``edition`` to state ``to``, forward or (with a reason) one of the safe moves back.

    The edition's row is locked first, so two clicks on the same move make one move (the second
    finds the state already changed and is refused). ``links`` makes the e-mails the move sends
    (jurors' ballot links, the Message-ID domain); without it they carry no link.
    """
    session.refresh(edition, with_for_update=True)
    origin = edition.state
    lifecycle.check_move(session=session, edition=edition, to=to, reason=reason, now=now)
    overridden = cautions(session=session, edition=edition, to=to, now=now)
    if overridden and not reason.strip():
        raise DomainError(
            "Give the reason for going ahead: %(caution)s",
            field="reason",
            caution=overridden[0],
        )
    deadline_was = edition.deadline
    early = lifecycle.closes_early(edition, to, now)
    if early:  # the call closes now: its deadline (the first instant refused) is the next minute
        edition.deadline = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    edition.state = to
    edition.updated_at = now
    if to is S.published:
        edition.published_at = now
    session.add(edition)
    audit.record(
        session=session,
        actor=actor,
        kind="edition.moved",
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        reason=reason.strip(),
        data={"from": origin.value, "to": to.value}
        | (
            {"cautions": [c.translate(NullTranslations()) for c in overridden]}
            if overridden
            else {}
        )
        | (
            {
                "deadline": {
                    "from": deadline_was.isoformat(),
                    "to": edition.deadline.isoformat(),
                }
            }
            if early
            else {}
        ),
    )
    _effects(session, edition, origin, actor, now, links)
    if early:  # the holders of what was not submitted are told, in their language
        reminders.tell_call_closed_early(
            session=session,
            edition=edition,
            deadline_was=deadline_was,
            now=now,
            mail_domain=links.mail_domain if links else "prize.invalid",
        )
    session.flush()
    return edition


def move_back(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    to: EditionState,
    reason: str,
    closes_at: datetime | None,
    links: LinkMaker | None = None,
) -> Edition:
    """A safe move back with its new date: ``screening -> open`` with a new deadline (extending
    the call), ``final -> shortlisting`` with a new closing instant for the first round.

    A call opened again is e-mailed to every holder of a draft never submitted or of changes not
    resubmitted, with its new deadline (``deadline_changed``, made by ``links``), as moving the
    deadline of an open call is: they were told it had closed, or saw it close."""
    before = edition.deadline
    editions.set_move_back_date(
        session=session,
        actor=actor,
        now=now,
        edition=edition,
        to=to,
        reason=reason,
        closes_at=closes_at,
    )
    move(session=session, edition=edition, to=to, actor=actor, now=now, reason=reason)
    if to is S.open:
        reminders.tell_deadline_changed(
            session=session, edition=edition, before=before, now=now, links=links, reopened=True
        )
    return edition


def move_to_final(
    *,
    session: Session,
    edition: Edition,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None = None,
    reason: str = "",
) -> Edition:
    return move(
        session=session,
        edition=edition,
        to=S.final,
        actor=actor,
        now=now,
        links=links,
        reason=reason,
    )


def decide(
    *,
    session: Session,
    edition: Edition,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None = None,
    reason: str = "",
) -> Edition:
    """Close the jury's work: winners and nominated applicants are told privately (embargo)."""
    session.refresh(edition, with_for_update=True)
    if edition.state is not S.final:
        raise NotAllowed("Results are decided at the end of the final round.")
    return move(
        session=session,
        edition=edition,
        to=S.decided,
        actor=actor,
        now=now,
        links=links,
        reason=reason,
    )


def publish(
    *,
    session: Session,
    edition: Edition,
    actor: audit.Actor,
    now: datetime,
    links: BallotLinks | None = None,
) -> Edition:
    """Make the results public, now and for good (``move`` records the published figures on
    entering ``published``, and e-mails applicants and jurors the results' link, made from
    ``links``' address)."""
    session.refresh(edition, with_for_update=True)  # a double click, or the sender loop
    if edition.state is S.published:
        raise NotAllowed("These results are published already.")
    if edition.state is not S.decided:
        raise NotAllowed("Decide the results before publishing them.")
    return move(session=session, edition=edition, to=S.published, actor=actor, now=now, links=links)


def publish_due(
    *, session: Session, now: datetime, links: BallotLinks | None = None
) -> list[Edition]:
    """Publish every decided edition whose announcement instant has come (the sender loop's call;
    one process at a time)."""
    if not schedule.one_at_a_time(session=session, job="publication"):
        return []
    due = list(
        session.exec(
            select(Edition)
            .where(
                Edition.state == S.decided,
                col(Edition.announce_at).is_not(None),
                col(Edition.announce_at) <= now,
            )
            .with_for_update(skip_locked=True)  # several processes: each edition once
        )
    )
    for edition in due:
        publish(session=session, edition=edition, actor=audit.SYSTEM, now=now, links=links)
    return due


def shortlist_consequences(
    *, session: Session, edition: Edition, application_ids: list[int], now: datetime
) -> list[Message]:
    """What confirming a shortlist of ``application_ids`` means now, in numbers: how many, how
    many jurors have submitted the first round, and whether it is still open."""
    submitted, counted = panel.submitted_count(
        session=session, edition=edition, round_=Round.shortlist
    )
    found = [
        Plural(
            "%(num)s application is shortlisted for the final round.",
            "%(num)s applications are shortlisted for the final round.",
            len(set(application_ids)),
        ),
        Plural(
            "%(num)s of %(total)s jurors has submitted a first-round ballot.",
            "%(num)s of %(total)s jurors have submitted a first-round ballot.",
            submitted,
            total=counted,
        ),
    ]
    below = _count_below_quorum(session, edition, Round.shortlist, set(application_ids))
    if below:
        found.append(
            Plural(
                "%(num)s of them has fewer first-round ballots than the quorum of %(quorum)s.",
                "%(num)s of them have fewer first-round ballots than the quorum of %(quorum)s.",
                below,
                quorum=edition.quorum,
            )
        )
    closes = edition.shortlist_closes_at
    if closes is not None and now < closes:
        found.append(
            Message(
                "The first round is still open until %(closes)s: ballots submitted later change "
                "the tally, not this shortlist.",
                {"closes": When(closes, "deadline")},
            )
        )
    return found


def _new_deadline(edition: Edition, values: Mapping[str, Any]) -> datetime | None:
    """The deadline ``values`` set for an open call, when it differs from the current one."""
    new = values.get("deadline")
    if edition.state is not S.open or not isinstance(new, datetime) or new == edition.deadline:
        return None
    return new


def update_edition(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    values: Mapping[str, Any],
    reason: str = "",
    links: LinkMaker | None = None,
) -> Edition:
    """Save the edition's settings (``editions.update_edition``). A new deadline for an open
    call is e-mailed to every holder of a draft never submitted or of a revision not resubmitted,
    in their language; moving it earlier while such work exists needs a reason (audited with the
    change)."""
    session.refresh(edition, with_for_update=True)
    before = edition.deadline
    new = _new_deadline(edition, values)
    if new is not None and new < before and not reason.strip():
        waiting = len(reminders.drafts_waiting(session=session, edition=edition))
        revising = len(reminders.revisions_waiting(session=session, edition=edition))
        if waiting:
            raise DomainError(
                Plural(
                    "Give the reason for moving the deadline earlier: %(num)s draft is in "
                    "progress.",
                    "Give the reason for moving the deadline earlier: %(num)s drafts are in "
                    "progress.",
                    waiting,
                ),
                field="reason",
            )
        if revising:
            raise DomainError(
                Plural(
                    "Give the reason for moving the deadline earlier: %(num)s submitted "
                    "application has changes in progress.",
                    "Give the reason for moving the deadline earlier: %(num)s submitted "
                    "applications have changes in progress.",
                    revising,
                ),
                field="reason",
            )
    editions.update_edition(
        session=session, actor=actor, now=now, edition=edition, values=values, reason=reason
    )
    if new is not None:
        reminders.tell_deadline_changed(
            session=session, edition=edition, before=before, now=now, links=links
        )
    return edition


def edition_consequences(
    *, session: Session, edition: Edition, values: Mapping[str, Any]
) -> list[Message]:
    """What saving ``values`` does beyond the settings, in numbers: a new deadline for an open
    call and the drafts whose holders are told."""
    new = _new_deadline(edition, values)
    if new is None:
        return []
    return [
        Message(
            N_("The deadline moves earlier, from %(before)s to %(after)s.")
            if new < edition.deadline
            else N_("The deadline moves later, from %(before)s to %(after)s."),
            {"before": When(edition.deadline, "deadline"), "after": When(new, "deadline")},
        ),
        *_holders_told(session, edition),
    ]


def _holders_told(session: Session, edition: Edition) -> list[Message]:
    """Who a new deadline is e-mailed to, in numbers (``reminders.tell_deadline_changed``)."""
    waiting = len(reminders.drafts_waiting(session=session, edition=edition))
    revising = len(reminders.revisions_waiting(session=session, edition=edition))
    return [
        Plural(
            "%(num)s draft is in progress and not submitted: its holder is told the new deadline.",
            "%(num)s drafts are in progress and not submitted: their holders are told the new "
            "deadline.",
            waiting,
        ),
        Plural(
            "%(num)s submitted application has changes in progress, not resubmitted: its holder "
            "is told the new deadline.",
            "%(num)s submitted applications have changes in progress, not resubmitted: their "
            "holders are told the new deadline.",
            revising,
        ),
    ]
