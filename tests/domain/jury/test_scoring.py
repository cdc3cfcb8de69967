"""Never lose a score: one row per (ballot, application, criterion), upserts, atomic submission,
refusals after the round closed or after submission, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, func, select

from prize import formats
from prize.domain.errors import DomainError, NotAllowed, NotFound
from prize.domain.jury import ballots, conflicts, scoring
from prize.domain.shared import audit
from prize.models import (
    AuditEvent,
    Ballot,
    BallotEntry,
    BallotStatus,
    EditionState,
    Juror,
    OutboxMessage,
    Round,
    Score,
)
from tests import jury_factories


def _setup(db, clock, **kwargs):
    with db.write() as session:
        made = jury_factories.jury_edition(session=session, **kwargs)
        made.jurors.append(
            jury_factories.juror(session=session, edition=made.edition, onboarded=True)
        )
    return made


def _save(db, clock, made, app=0, juror=0, **kwargs):
    with db.write() as session:
        return scoring.save_entry(
            session=session,
            juror=session.get_one(Juror, made.jurors[juror].id),
            now=clock(),
            application_id=made.applications[app].id,
            **kwargs,
        )


def _scores(db) -> list[tuple[int, int, int]]:
    with db.read() as session:
        return [
            (s.application_id, s.criterion_id, s.value)
            for s in session.exec(select(Score).order_by(col(Score.id)))
        ]


def _score_everything(db, clock, made, value=7, juror=0):
    for i in range(len(made.applications)):
        _save(db, clock, made, app=i, juror=juror, scores={c.id: value for c in made.criteria})


def test_save_stores_one_row_per_criterion_and_an_upsert_replaces_it(db, clock):
    made = _setup(db, clock)
    c1, c2 = (c.id for c in made.criteria)
    app = made.applications[0].id
    _save(db, clock, made, scores={c1: 4, c2: 6})
    clock.advance(minutes=1)
    _save(db, clock, made, scores={c1: 8})
    assert sorted(_scores(db)) == [(app, c1, 8), (app, c2, 6)]


def test_database_refuses_a_second_row_for_the_same_score(db, clock):
    made = _setup(db, clock)
    ballot = _save(db, clock, made, scores={made.criteria[0].id: 5})
    with pytest.raises(sa.exc.IntegrityError), db.write() as session:
        session.add(
            Score(
                ballot_id=ballot.id,
                application_id=made.applications[0].id,
                criterion_id=made.criteria[0].id,
                value=6,
            )
        )
        session.flush()
    assert [v for *_, v in _scores(db)] == [5]


def test_saving_only_the_comment_keeps_the_scores(db, clock):
    made = _setup(db, clock)
    c1 = made.criteria[0].id
    _save(db, clock, made, scores={c1: 3}, comment="First thoughts")
    _save(db, clock, made, comment="Second thoughts")
    assert [v for *_, v in _scores(db)] == [3]
    with db.read() as session:
        entry = session.exec(select(BallotEntry)).one()
    assert entry.comment == "Second thoughts"


def test_a_blank_score_from_autosave_clears_only_that_score(db, clock):
    made = _setup(db, clock)
    c1, c2 = (c.id for c in made.criteria)
    _save(db, clock, made, scores={c1: 3, c2: 4})
    _save(db, clock, made, scores={c1: None})
    assert [(c, v) for _, c, v in _scores(db)] == [(c2, 4)]


def test_value_outside_the_scale_is_refused_and_saved_scores_stay(db, clock):
    made = _setup(db, clock)
    c1, c2 = (c.id for c in made.criteria)
    _save(db, clock, made, scores={c1: 5})
    for wrong in (11, -1):
        with pytest.raises(DomainError) as refused:
            _save(db, clock, made, scores={c1: wrong, c2: 6})
        assert refused.value.field == f"score-{c1}"
        assert refused.value.message.msgid == "Give a whole number from %(min)s to %(max)s."
    assert [v for *_, v in _scores(db)] == [5]


def test_edition_scale_is_used(db, clock):
    made = _setup(db, clock, scale_min=1, scale_max=5)
    c1 = made.criteria[0].id
    with pytest.raises(DomainError):
        _save(db, clock, made, scores={c1: 0})
    _save(db, clock, made, scores={c1: 5})
    assert [v for *_, v in _scores(db)] == [5]


def test_save_after_the_round_closed_is_refused_and_scores_stay(db, clock):
    made = _setup(db, clock)
    c1 = made.criteria[0].id
    _save(db, clock, made, scores={c1: 5})
    clock.set(jury_factories.SHORTLIST_CLOSES)
    with pytest.raises(NotAllowed) as refused:
        _save(db, clock, made, scores={c1: 9})
    closed = formats.deadline(
        jury_factories.SHORTLIST_CLOSES, "en"
    )  # its last minute: 21:59 in Paris
    assert f"The round closed on {closed}: this was not saved." in str(refused.value)
    assert [v for *_, v in _scores(db)] == [5]


def test_save_before_any_round_is_refused(db, clock):
    made = _setup(db, clock, state=EditionState.screening)
    with pytest.raises(NotAllowed, match="No jury round is open"):
        _save(db, clock, made, scores={made.criteria[0].id: 5})
    assert _scores(db) == []


def test_save_for_an_application_not_on_the_ballot_is_refused(db, clock):
    made = _setup(db, clock)
    with db.write() as session:
        other = jury_factories.jury_edition(session=session, year=2029)
    with pytest.raises(NotFound), db.write() as session:
        scoring.save_entry(
            session=session,
            juror=session.get_one(Juror, made.jurors[0].id),
            now=clock(),
            application_id=other.applications[0].id,
            scores={made.criteria[0].id: 5},
        )
    assert _scores(db) == []


def test_abstaining_needs_a_reason(db, clock):
    made = _setup(db, clock)
    with pytest.raises(DomainError) as refused:
        _save(db, clock, made, abstain=True, abstain_reason=" ")
    assert refused.value.field == "abstain_reason"
    _save(db, clock, made, abstain=True, abstain_reason="I know the team")
    with db.read() as session:
        entry = session.exec(select(BallotEntry)).one()
    assert (entry.abstain, entry.abstain_reason) == (True, "I know the team")


def test_submit_refuses_an_incomplete_ballot_and_changes_nothing(db, clock):
    made = _setup(db, clock)
    _save(db, clock, made, scores={c.id: 6 for c in made.criteria})
    with pytest.raises(DomainError) as refused, db.write() as session:
        scoring.submit(
            session=session, juror=session.get_one(Juror, made.jurors[0].id), now=clock()
        )
    assert refused.value.message.params == {"num": 2}
    with db.read() as session:
        ballot = session.exec(select(Ballot)).one()
    assert (ballot.status, ballot.receipt_code) == (BallotStatus.draft, None)


def test_submit_locks_the_ballot_with_a_receipt_and_an_email(db, clock):
    made = _setup(db, clock)
    _save(db, clock, made, app=0, scores={c.id: 6 for c in made.criteria})
    _save(db, clock, made, app=1, abstain=True, abstain_reason="My cousin runs it")
    _save(db, clock, made, app=2, scores={c.id: 8 for c in made.criteria})
    with db.write() as session:
        ballot = scoring.submit(
            session=session, juror=session.get_one(Juror, made.jurors[0].id), now=clock()
        )
    code = ballot.receipt_code
    assert ballot.status is BallotStatus.submitted
    assert code is not None and len(code) == 10 and code.isalnum() and code.isupper()
    with db.read() as session:
        mail = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "ballot_receipt")
        ).one()
        kinds = session.exec(select(AuditEvent.kind)).all()
    assert code in mail.subject and code in mail.body
    assert "ballot.submitted" in kinds
    with pytest.raises(NotAllowed, match="Your ballot is submitted"):
        _save(db, clock, made, scores={made.criteria[0].id: 1})
    assert (made.applications[0].id, made.criteria[0].id, 6) in _scores(db)


def test_submitting_twice_sends_one_receipt(db, clock):
    made = _setup(db, clock)
    _score_everything(db, clock, made)
    codes = set()
    for _ in range(2):
        with db.write() as session:
            codes.add(
                scoring.submit(
                    session=session, juror=session.get_one(Juror, made.jurors[0].id), now=clock()
                ).receipt_code
            )
    with db.read() as session:
        receipts = session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "ballot_receipt")
        ).one()
    assert len(codes) == 1
    assert receipts == 1


def test_receipt_codes_are_unique_per_ballot(db, clock):
    made = _setup(db, clock)
    with db.write() as session:
        made.jurors.append(
            jury_factories.juror(session=session, edition=made.edition, onboarded=True)
        )
    for j in (0, 1):
        _score_everything(db, clock, made, juror=j)
        with db.write() as session:
            scoring.submit(
                session=session, juror=session.get_one(Juror, made.jurors[j].id), now=clock()
            )
    with db.read() as session:
        codes = session.exec(select(Ballot.receipt_code)).all()
    assert len(set(codes)) == 2


def test_a_failure_inside_submission_leaves_a_draft(db, clock, monkeypatch):
    made = _setup(db, clock)
    _score_everything(db, clock, made)

    def broken(**kwargs):
        raise RuntimeError("mail server template crashed")

    monkeypatch.setattr(scoring.outbox, "queue", broken)
    with pytest.raises(RuntimeError), db.write() as session:
        scoring.submit(
            session=session, juror=session.get_one(Juror, made.jurors[0].id), now=clock()
        )
    with db.read() as session:
        ballot = session.exec(select(Ballot)).one()
        submitted_events = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.kind == "ballot.submitted")
        ).one()
    assert (ballot.status, ballot.receipt_code, submitted_events) == (BallotStatus.draft, None, 0)


def test_reopen_needs_a_reason_and_an_open_round(db, clock):
    made = _setup(db, clock)
    _score_everything(db, clock, made)
    with db.write() as session:
        ballot = scoring.submit(
            session=session, juror=session.get_one(Juror, made.jurors[0].id), now=clock()
        )
    with pytest.raises(DomainError) as refused, db.write() as session:
        scoring.reopen(session=session, actor=audit.SYSTEM, now=clock(), ballot=ballot, reason=" ")
    assert refused.value.field == "reason"
    later = clock() + timedelta(days=60)
    with pytest.raises(NotAllowed), db.write() as session:
        scoring.reopen(session=session, actor=audit.SYSTEM, now=later, ballot=ballot, reason="Typo")
    with db.write() as session:
        reopened = scoring.reopen(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            ballot=ballot,
            reason="Typo in a score",
        )
    assert (reopened.status, reopened.receipt_code) == (BallotStatus.draft, None)
    with db.read() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "ballot.reopened")).one()
        mail = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "ballot_reopened")
        ).one()
    assert event.reason == "Typo in a score"
    assert "Typo in a score" in mail.body
    assert len(_scores(db)) == 6  # every score stays
    with pytest.raises(DomainError, match="not submitted"), db.write() as session:
        scoring.reopen(
            session=session, actor=audit.SYSTEM, now=clock(), ballot=reopened, reason="Again"
        )


def test_final_round_ballot_holds_only_the_shortlist(db, clock):
    made = _setup(db, clock, state=EditionState.final, applications=4)
    with db.write() as session:
        jury_factories.shortlist(
            session=session, edition=made.edition, applications=made.applications[1:3]
        )
    with db.read() as session:
        view = ballots.ballot_view(
            session=session, juror=made.jurors[0], edition=made.edition, round_=Round.final
        )
    assert [i.application.id for i in view.items] == [a.id for a in made.applications[1:3]]
    with pytest.raises(NotFound):
        _save(db, clock, made, app=0, scores={made.criteria[0].id: 5})
    _save(db, clock, made, app=1, scores={made.criteria[0].id: 5})
    with db.read() as session:
        assert session.exec(select(Ballot.round)).all() == [Round.final]


def test_conflicted_application_leaves_the_ballot_and_its_draft_scores_go(db, clock):
    made = _setup(db, clock)
    _save(db, clock, made, app=0, scores={made.criteria[0].id: 9}, comment="Great")
    with db.write() as session:
        conflicts.record_conflict(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            juror=session.get_one(Juror, made.jurors[0].id),
            application=session.merge(made.applications[0]),
            reason="Volunteered there in 2025",
        )
    assert _scores(db) == []
    with db.read() as session:
        view = ballots.ballot_view(
            session=session, juror=made.jurors[0], edition=made.edition, round_=Round.shortlist
        )
        assert session.exec(select(BallotEntry)).all() == []
    assert [i.application.id for i in view.items] == [a.id for a in made.applications[1:]]
    with pytest.raises(NotFound):
        _save(db, clock, made, app=0, scores={made.criteria[0].id: 9})


def test_counted_ballots_leave_out_drafts_conflicts_and_abstentions(db, clock):
    made = _setup(db, clock)
    with db.write() as session:
        made.jurors.append(
            jury_factories.juror(session=session, edition=made.edition, onboarded=True)
        )
    _save(db, clock, made, app=0, scores={c.id: 6 for c in made.criteria})
    _save(db, clock, made, app=1, abstain=True, abstain_reason="Unsure")
    _save(db, clock, made, app=2, scores={c.id: 8 for c in made.criteria})
    _save(db, clock, made, juror=1, app=0, scores={c.id: 2 for c in made.criteria})  # a draft
    with db.write() as session:
        ballot = scoring.submit(
            session=session, juror=session.get_one(Juror, made.jurors[0].id), now=clock()
        )
        # A conflict learnt after submission: the submitted rows stay, but do not count.
        conflicts.record_conflict(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            juror=session.get_one(Juror, made.jurors[0].id),
            application=session.merge(made.applications[2]),
            reason="Learnt later",
        )
    with db.read() as session:
        counted = ballots.counted_ballots(
            session=session, edition=made.edition, round_=Round.shortlist
        )
    assert len(counted) == 1
    assert counted[0].receipt_code == ballot.receipt_code
    c1, c2 = (c.id for c in made.criteria)
    assert counted[0].scores == {made.applications[0].id: {c1: 6, c2: 6}}
    assert counted[0].abstentions == frozenset({made.applications[1].id})


# --------------------------------------------------------------------------- concurrency


def _in_threads(targets):
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def run(target):
        try:
            barrier.wait(timeout=10)
            target()
        except BaseException as error:  # collected and re-raised in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []


def test_two_devices_saving_the_same_scores_at_once_keep_one_row_each(db, clock):
    made = _setup(db, clock)
    criteria = [c.id for c in made.criteria]
    app = made.applications[0].id
    finished: list[int] = []
    lock = threading.Lock()

    def device(value: int):
        def save() -> None:
            for _ in range(5):
                with db.write() as session:
                    scoring.save_entry(
                        session=session,
                        juror=session.get_one(Juror, made.jurors[0].id),
                        now=clock(),
                        application_id=app,
                        scores={cid: value for cid in criteria},
                    )
                    # The ballot row stays locked until this transaction commits, so the order
                    # in which saves get here is the order in which they commit.
                    with lock:
                        finished.append(value)

        return save

    _in_threads([device(3), device(9)])
    rows = _scores(db)
    assert len(rows) == 2  # one row per (ballot, application, criterion)
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Ballot)).one() == 1
    # The last save wins, whole: both scores come from the device that committed last.
    assert len(finished) == 10
    assert {v for *_, v in rows} == {finished[-1]}


def test_last_save_of_each_score_wins_and_nothing_else_is_lost(db, clock):
    made = _setup(db, clock)
    c1, c2 = (c.id for c in made.criteria)
    app = made.applications[0].id

    def one(criterion: int, value: int):
        def save() -> None:
            with db.write() as session:
                scoring.save_entry(
                    session=session,
                    juror=session.get_one(Juror, made.jurors[0].id),
                    now=clock(),
                    application_id=app,
                    scores={criterion: value},
                )

        return save

    # A phone and a laptop, each saving a different score of the same ballot at once.
    _in_threads([one(c1, 4), one(c2, 7)])
    assert sorted((c, v) for _, c, v in _scores(db)) == sorted([(c1, 4), (c2, 7)])
    # Then the laptop changes the first score: the last save wins, the other score stays.
    one(c1, 10)()
    assert sorted((c, v) for _, c, v in _scores(db)) == sorted([(c1, 10), (c2, 7)])


def test_a_save_racing_a_submission_never_lands_after_it(db, clock):
    made = _setup(db, clock)
    _score_everything(db, clock, made, value=5)
    c1 = made.criteria[0].id
    outcomes: list[str] = []

    def submit() -> None:
        with db.write() as session:
            scoring.submit(
                session=session, juror=session.get_one(Juror, made.jurors[0].id), now=clock()
            )
        outcomes.append("submitted")

    def save() -> None:
        try:
            _save(db, clock, made, scores={c1: 1})
            outcomes.append("saved")
        except NotAllowed:
            outcomes.append("refused")

    _in_threads([submit, save])
    value = next(v for a, c, v in _scores(db) if a == made.applications[0].id and c == c1)
    # Either the save came first (and was submitted with the ballot) or it was refused.
    assert (value, "saved" in outcomes) in ((1, True), (5, False))
    assert sorted(outcomes) in (["saved", "submitted"], ["refused", "submitted"])
    with db.read() as session:
        assert session.exec(select(Ballot.status)).one() is BallotStatus.submitted
