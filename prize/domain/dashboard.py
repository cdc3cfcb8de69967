"""The back office's dashboard: per edition in progress, counts per application status, the
coming dates, and what needs doing now (each item with a kind the page turns into a link)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from prize.domain import activity
from prize.domain.editions import lifecycle
from prize.domain.jury import panel
from prize.domain.shared import audit
from prize.formats import PARIS, Style, style_of
from prize.i18n import N_, Message
from prize.models import (
    Application,
    ApplicationStatus,
    Edition,
    EditionState,
    OutboxMessage,
    OutboxStatus,
    pk,
)

SOON = timedelta(days=7)
CALL_DAYS = 28  # submissions per day are shown over the call's last four weeks
PIPELINE = ("draft", "submitted", "eligible", "ineligible", "returned", "withdrawn")
LATEST = 10  # changes shown on the dashboard
S = EditionState

DATE_LABELS = {
    "opens_at": N_("Applications open"),
    "deadline": N_("Deadline for applications"),
    "shortlist_closes_at": N_("First jury round closes"),
    "final_closes_at": N_("Final jury round closes"),
    "announce_at": N_("Announcement"),
}


@dataclass(frozen=True)
class Todo:
    """One thing to do. ``kind`` names where it is done: ``edition``, ``applications``,
    ``outbox``."""

    kind: str
    message: Message


@dataclass(frozen=True)
class JurorProgress:
    name: str
    done: int
    total: int
    submitted: bool


@dataclass
class EditionOverview:
    edition: Edition
    counts: dict[str, int]
    upcoming: list[tuple[str, datetime, Style]]  # (label msgid, instant, style), soonest first
    todos: list[Todo] = field(default_factory=list)
    next_move: lifecycle.MoveOption | None = None
    per_day: list[tuple[date, int]] = field(default_factory=list)  # submissions, Paris days
    jury: list[JurorProgress] = field(default_factory=list)  # the current round's progress
    round_closes: datetime | None = None

    @property
    def pipeline(self) -> list[tuple[str, int]]:
        """The applications by status, in the order they move (drafts first)."""
        return [(status, self.counts.get(status, 0)) for status in PIPELINE]

    def days_left(self, now: datetime) -> int | None:
        """Whole days, rounded up, until the current jury round closes."""
        if self.round_closes is None:
            return None
        return max(0, math.ceil((self.round_closes - now) / timedelta(days=1)))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def next_date(self) -> tuple[str, datetime, Style] | None:
        return self.upcoming[0] if self.upcoming else None


@dataclass
class Overview:
    editions: list[EditionOverview]
    todos: list[Todo]
    latest: list[activity.Line] = field(default_factory=list)


def _upcoming(edition: Edition, now: datetime) -> list[tuple[str, datetime, Style]]:
    found = []
    for name, label in DATE_LABELS.items():
        when = getattr(edition, name)
        if when is not None and when > now:
            found.append((label, when, style_of(name)))
    return sorted(found, key=lambda pair: pair[1])


def _edition_todos(item: EditionOverview, now: datetime, returned_due: int) -> None:
    edition = item.edition
    counts = item.counts
    todos = item.todos
    state = edition.state
    if state is S.open and now >= edition.deadline:
        todos.append(
            Todo("edition", Message("The deadline has passed: move the edition to screening."))
        )
    if state is S.screening:
        waiting = counts.get(ApplicationStatus.submitted.value, 0)
        if waiting:
            todos.append(
                Todo(
                    "applications",
                    Message("Applications waiting for screening: %(n)s.", {"n": waiting}),
                )
            )
        if returned_due:
            todos.append(
                Todo(
                    "applications",
                    Message(
                        "Applications returned for information and past their date: %(n)s.",
                        {"n": returned_due},
                    ),
                )
            )
    for state_of_round, name, closing, closed in (
        (
            S.shortlisting,
            "shortlist_closes_at",
            N_("The first jury round closes within a week."),
            N_("The first jury round has closed: confirm the shortlist."),
        ),
        (
            S.final,
            "final_closes_at",
            N_("The final jury round closes within a week."),
            N_("The final jury round has closed: record the decisions."),
        ),
    ):
        when = getattr(edition, name)
        if state is state_of_round and when is not None:
            if now >= when:
                todos.append(Todo("edition", Message(closed)))
            elif when - now <= SOON:
                todos.append(Todo("edition", Message(closing)))
    if state is S.decided and edition.announce_at is not None and now >= edition.announce_at:
        todos.append(
            Todo("edition", Message("The announcement time has passed: publish the results."))
        )


def submissions_per_day(
    *, session: Session, edition: Edition, now: datetime
) -> list[tuple[date, int]]:
    """First submissions per day (Paris time) over the call's last four weeks, up to today;
    nothing before the call opens."""
    if edition.opens_at is None or now < edition.opens_at:
        return []
    last = min(now, edition.deadline).astimezone(PARIS).date()
    first = max(
        edition.opens_at.astimezone(PARIS).date(),
        edition.deadline.astimezone(PARIS).date() - timedelta(days=CALL_DAYS - 1),
    )
    if last < first:
        return []
    counts = dict.fromkeys((first + timedelta(days=n) for n in range((last - first).days + 1)), 0)
    for when in session.exec(
        select(Application.submitted_at).where(
            Application.edition_id == edition.id, col(Application.submitted_at).is_not(None)
        )
    ):
        day = when.astimezone(PARIS).date() if when is not None else None
        if day in counts:
            counts[day] += 1
    return list(counts.items())


def _jury_progress(item: EditionOverview, session: Session, now: datetime) -> None:
    edition = item.edition
    if edition.state is S.shortlisting:
        item.round_closes = edition.shortlist_closes_at
    elif edition.state is S.final:
        item.round_closes = edition.final_closes_at
    else:
        return
    item.jury = [
        JurorProgress(
            name=f"{row.juror.first_name} {row.juror.last_name}".strip(),
            done=row.done,
            total=row.total,
            submitted=row.submitted,
        )
        for row in panel.overview(session=session, edition=edition, now=now)
        if row.juror.active
    ]


def overview(*, session: Session, now: datetime) -> Overview:
    """Every edition not yet published (archives aside), newest first."""
    editions = list(
        session.exec(
            select(Edition)
            .where(Edition.state != S.published, col(Edition.archived).is_(False))
            .order_by(col(Edition.year).desc())
        )
    )
    ids = [e.id for e in editions]
    counts: dict[int, dict[str, int]] = {i: {} for i in ids if i is not None}
    returned_due: dict[int, int] = {}
    if ids:
        rows = session.exec(
            select(Application.edition_id, Application.status, func.count())
            .where(col(Application.edition_id).in_(ids))
            .group_by(col(Application.edition_id), col(Application.status))
        )
        for edition_id, status, n in rows:
            counts[edition_id][ApplicationStatus(status).value] = int(n)
        for edition_id, n in session.exec(
            select(Application.edition_id, func.count())
            .where(
                col(Application.edition_id).in_(ids),
                Application.status == ApplicationStatus.returned,
                col(Application.info_due) <= now,
            )
            .group_by(col(Application.edition_id))
        ):
            returned_due[edition_id] = int(n)
    items = []
    for edition in editions:
        item = EditionOverview(
            edition=edition, counts=counts[pk(edition)], upcoming=_upcoming(edition, now)
        )
        options = lifecycle.options(session, edition, now)
        # Closing a call before its deadline is never "the next step": the edition page offers
        # it, with its caution; the dashboard says when the call closes.
        item.next_move = next((o for o in options if not o.backward and not o.early), None)
        _edition_todos(item, now, returned_due.get(pk(edition), 0))
        item.per_day = submissions_per_day(session=session, edition=edition, now=now)
        _jury_progress(item, session, now)
        items.append(item)
    failed = int(
        session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.failed)
        ).one()
    )
    todos = []
    if failed:
        todos.append(
            Todo("outbox", Message("E-mails that could not be sent: %(n)s.", {"n": failed}))
        )
    latest = audit.search(session=session, per_page=LATEST).rows
    return Overview(
        editions=items, todos=todos, latest=activity.lines(session=session, events=latest)
    )
