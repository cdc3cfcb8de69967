"""Editions in the back office: creating, editing, criteria, and lifecycle moves."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from prize import countries, formats
from prize.domain import transitions
from prize.domain.editions import criteria, editions, lifecycle
from prize.domain.editions.criteria import CriterionSpec
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.shared import audit
from prize.models import (
    ApplicationStatus,
    AuditEvent,
    Ballot,
    Criterion,
    Edition,
    EditionState,
    Round,
    Score,
)
from tests import factories
from tests.appkit import refused_page
from tests.staffkit import confirmed_post, edition_edit_form, login, staff_post


def edition_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "year": "2029",
        "title_en": "European Drug Prevention Prize 2029",
        "title_fr": "Prix européen de prévention des drogues 2029",
        "call_en": "Apply now.",
        "call_fr": "Candidatez.",
        "prize_en": "EUR 5,000",
        "prize_fr": "5 000 euros",
        "opens_at": "2029-01-15T09:00",  # CET: 08:00 UTC
        "deadline": "2029-06-30T23:59",  # the last minute: refused from 00:00 on 1 July (CEST)
        "shortlist_closes_at": "2029-09-15T18:00",
        "final_closes_at": "2029-10-15T18:00",
        "announce_at": "2029-11-20T10:00",
        "countries": [c for c in countries.DEFAULT_ELIGIBLE if c != "FR"],
        "add_country": "CA",
        "shortlist_size": "6",
        "scale_min": "1",
        "scale_max": "5",
        "normalise": "yes",
        "quorum": "4",
    }
    data.update(changes)
    return data


def _stored(db, year=2029) -> Edition:
    with db.read() as session:
        return editions.get_by_year(session=session, year=year)


def _kinds(db) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(AuditEvent.kind).order_by(col(AuditEvent.id))))


def _make(db, state=EditionState.draft, **fields):
    with db.write() as session:
        return factories.edition(session=session, state=state, **fields)


def _score(db, edition) -> None:
    """One juror's score for one application: the criteria and scale freeze."""
    with db.write() as session:
        app = factories.application(session=session, edition=edition)
        juror = factories.juror(session=session, edition=edition)
        ballot = Ballot(juror_id=juror.id, round=Round.shortlist)
        session.add(ballot)
        session.flush()
        criterion = session.exec(
            select(Criterion).where(Criterion.edition_id == edition.id)
        ).first()
        session.add(
            Score(ballot_id=ballot.id, application_id=app.id, criterion_id=criterion.id, value=5)
        )


# --------------------------------------------------------------------------- create and edit


def test_create_an_edition_in_paris_time_stored_in_utc(staff_client, sqlite_db):
    form = staff_client.get("/secretariat/editions/new")
    assert "Type every date and time in Paris time" in form.text
    assert 'name="countries" value="FR" checked' in form.text  # the default list, ticked
    response = staff_post(staff_client, "/secretariat/editions/new", edition_form())
    assert response.headers["location"] == "/secretariat/editions/2029"
    edition = _stored(sqlite_db)
    assert edition.state is EditionState.draft
    assert edition.opens_at == datetime(2029, 1, 15, 8, 0, tzinfo=UTC)
    assert edition.deadline == datetime(2029, 6, 30, 22, 0, tzinfo=UTC)  # 00:00 in Paris
    assert edition.announce_at == datetime(2029, 11, 20, 9, 0, tzinfo=UTC)
    assert "FR" not in edition.eligible_countries and "CA" in edition.eligible_countries
    assert len(edition.eligible_countries) == len(countries.DEFAULT_ELIGIBLE)
    assert (edition.scale_min, edition.scale_max, edition.shortlist_size, edition.quorum) == (
        1,
        5,
        6,
        4,
    )
    assert edition.normalise is True
    page = staff_client.get("/secretariat/editions/2029")
    assert "The edition 2029 is created as a draft." in page.text
    assert (
        formats.deadline(edition.deadline, "en") in page.text
    )  # Saturday 30 June 2029, 23:59 Paris time
    assert "Add at least one criterion before opening the call." in page.text
    assert _kinds(sqlite_db) == ["staff.created", "edition.created"]


def test_the_edition_form_names_paris_time_in_the_readers_language(staff_client):
    """Paris's winter and summer time, named as CLDR names them in the page's language (Babel):
    never an abbreviation (CET) or an identifier (Europe/Paris) where a person reads."""
    staff_client.cookies.set("lang", "fr")
    french = staff_client.get("/secretariat/editions/new").text
    assert (
        "à l'heure de Paris (heure normale d’Europe centrale en hiver, heure d’été d’Europe "
        "centrale en été)\u00a0; elles sont enregistrées en UTC"
    ) in french
    staff_client.cookies.set("lang", "en")
    english = staff_client.get("/secretariat/editions/new").text
    assert (
        "in Paris time (Central European Standard Time in winter, Central European Summer Time "
        "in summer); they are stored in UTC"
    ) in english
    for page in (french, english):
        read = re.sub(r"<[^>]*>", " ", page)  # what a person reads, not the markup
        assert re.findall(r"\bCES?T\b|\b(?:Europe|Africa)/[A-Z]\w+", read) == []


def test_edit_form_shows_paris_times_and_the_added_country(staff_client, sqlite_db):
    staff_post(staff_client, "/secretariat/editions/new", edition_form())
    page = staff_client.get("/secretariat/editions/2029/edit")
    assert 'value="2029-06-30T23:59"' in page.text
    assert 'name="countries" value="CA" checked' in page.text
    assert 'name="countries" value="FR">' in page.text  # a default country, unticked
    assert "Canada" in page.text


def test_edition_form_refusals_keep_what_was_typed(staff_client, sqlite_db):
    cases = [
        ({"deadline": "2029-01-01T10:00"}, "deadline", "The deadline must come after the opening."),
        (
            {"deadline": "2029-03-25T02:30"},
            "deadline",
            "This time does not exist in Paris (the clocks go forward then).",
        ),
        ({"opens_at": "soon"}, "opens_at", "Enter a date and time like 2027-06-30 22:00."),
        ({"title_en": ""}, "title_en", "Enter the title in English."),
        (
            {"scale_min": "5", "scale_max": "5"},
            "scale_max",
            "The scale needs 0 &lt;= lowest &lt; highest &lt;= 100.",
        ),
        ({"quorum": "three"}, "quorum", "Enter a whole number."),
        ({"add_country": "QQ"}, "countries", "Unknown country codes: QQ."),
        (
            {"final_closes_at": "2029-09-01T10:00"},
            "final_closes_at",
            "Each date must come after the one before it (deadline, first round, final round).",
        ),
    ]
    for changes, field, message in cases:
        page = staff_post(staff_client, "/secretariat/editions/new", edition_form(**changes))
        page = refused_page(staff_client, page)
        assert f'id="{field}-error">{message}' in page.text or message in page.text, message
        assert 'value="European Drug Prevention Prize 2029"' in page.text or not changes.get(
            "title_en", 1
        )
    with sqlite_db.read() as session:
        assert session.exec(select(Edition)).all() == []


def test_the_shortlist_embargo_is_the_default_and_a_setting_of_the_edition(staff_client, sqlite_db):
    staff_post(staff_client, "/secretariat/editions/new", edition_form())
    assert _stored(sqlite_db).shortlist_embargo is True  # unticked: under embargo
    page = staff_client.get("/secretariat/editions/2029")
    assert "under embargo until the results are published" in page.text
    form = staff_client.get("/secretariat/editions/2029/edit")
    assert 'name="shortlist_open" value="yes" aria-describedby' in form.text  # not ticked
    assert "Shortlisted applicants may share the news at once (no embargo)" in form.text
    staff_post(staff_client, "/secretariat/editions/2029/edit", edition_form(shortlist_open="yes"))
    assert _stored(sqlite_db).shortlist_embargo is False
    assert "may be shared at once" in staff_client.get("/secretariat/editions/2029").text
    form = staff_client.get("/secretariat/editions/2029/edit")
    assert 'name="shortlist_open" value="yes" checked' in form.text
    staff_client.cookies.set("lang", "fr")
    form = staff_client.get("/secretariat/editions/2029/edit")
    assert "Les candidats présélectionnés peuvent partager la nouvelle aussitôt" in form.text


def test_the_shortlist_embargo_is_frozen_once_the_shortlisted_are_told(staff_client, sqlite_db):
    edition = _make(sqlite_db, EditionState.final)
    values = edition_form(
        year="2027",
        opens_at="2027-01-01T01:00",
        deadline="2027-06-30T21:59",  # as the form shows the stored 22:00 in Paris
        shortlist_closes_at="",
        final_closes_at="",
        announce_at="",
        countries=edition.eligible_countries,
        add_country="",
        shortlist_size="7",
        quorum="3",
        scale_min="0",
        scale_max="10",
        shortlist_open="yes",
    )
    page = refused_page(
        staff_client, staff_post(staff_client, "/secretariat/editions/2027/edit", values)
    )
    assert (
        "Whether the shortlist is under embargo cannot change once the shortlisted applicants "
        "are told." in page.text
    )
    assert _stored(sqlite_db, 2027).shortlist_embargo is True


def test_two_editions_cannot_share_a_year(staff_client):
    staff_post(staff_client, "/secretariat/editions/new", edition_form())
    page = staff_post(staff_client, "/secretariat/editions/new", edition_form())
    page = refused_page(staff_client, page)
    assert "There is already an edition 2029." in page.text


def test_extend_the_deadline_while_open_is_audited_with_its_reason(staff_client, sqlite_db, clock):
    _make(sqlite_db, EditionState.open)
    values = edition_edit_form(
        deadline="2027-07-15T23:59",  # the last minute: refused from 00:00 on 16 July
        reason="Many applicants asked for two more weeks.",
        title_fr="",  # emptied as well
    )
    response = confirmed_post(staff_client, "/secretariat/editions/2027/edit", values)
    assert response.headers["location"] == "/secretariat/editions/2027"
    assert _stored(sqlite_db, 2027).deadline == datetime(2027, 7, 15, 22, 0, tzinfo=UTC)
    with sqlite_db.read() as session:
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert event.kind == "edition.updated"
    assert event.reason == "Many applicants asked for two more weeks."
    assert event.data["deadline"] == {
        "from": "2027-06-30T20:00:00+00:00",
        "to": "2027-07-15T22:00:00+00:00",
    }
    assert "title_fr" in event.data  # emptied: listed as changed, without its text


def test_year_is_frozen_once_open(staff_client, sqlite_db):
    _make(sqlite_db, EditionState.open)
    values = edition_form(
        year="2028",
        opens_at="2027-01-01T01:00",
        deadline="2027-06-30T21:59",  # as the form shows the stored 22:00 in Paris
        shortlist_closes_at="",
        final_closes_at="",
        announce_at="",
    )
    page = staff_post(staff_client, "/secretariat/editions/2027/edit", values)
    page = refused_page(staff_client, page)
    assert "The year can change only while the edition is a draft." in page.text
    assert _stored(sqlite_db, 2027).title_en == "European Drug Prevention Prize 2027"


def test_scale_is_frozen_once_a_score_exists(staff_client, sqlite_db):
    edition = _make(sqlite_db, EditionState.shortlisting)
    _score(sqlite_db, edition)
    values = edition_form(
        year="2027",
        opens_at="2027-01-01T01:00",
        deadline="2027-06-30T21:59",  # as the form shows the stored 22:00 in Paris
        shortlist_closes_at="",
        final_closes_at="",
        announce_at="",
        countries=edition.eligible_countries,
        add_country="",
        shortlist_size="7",
        quorum="3",
        scale_min="0",
        scale_max="20",
    )
    page = staff_post(staff_client, "/secretariat/editions/2027/edit", values)
    page = refused_page(staff_client, page)
    assert "Scores are recorded: the scale is frozen." in page.text
    assert _stored(sqlite_db, 2027).scale_max == 10


def test_unknown_edition_is_a_404(staff_client):
    for path in ("/secretariat/editions/1999", "/secretariat/editions/1999/edit"):
        page = staff_client.get(path)
        assert page.status_code == 404, path
        assert "<h1>Page not found</h1>" in page.text, path


def test_editions_list_shows_state_and_deadline(staff_client, sqlite_db):
    _make(sqlite_db, EditionState.open)
    page = staff_client.get("/secretariat/editions")
    assert "open for applications" in page.text
    assert (
        formats.deadline(factories.DEADLINE, "en") in page.text
    )  # its last minute: 21:59 in Paris
    assert 'class="table-scroll"' in page.text


# --------------------------------------------------------------------------- criteria


def test_add_edit_reorder_and_remove_criteria(staff_client, sqlite_db):
    _make(sqlite_db, EditionState.draft)
    for name, weight in (("Efficiency", "1"), ("Youth participation", "2,5")):
        response = staff_post(
            staff_client,
            "/secretariat/editions/2027/criteria/new",
            {"name_en": name, "name_fr": name, "description_en": "d", "weight": weight},
        )
        assert response.headers["location"] == "/secretariat/editions/2027"

    def names() -> list[tuple[str, float]]:
        with sqlite_db.read() as session:
            edition = editions.get_by_year(session=session, year=2027)
            return [
                (c.name_en, c.weight)
                for c in criteria.criteria_of(session=session, edition=edition)
            ]

    assert names() == [("Innovation", 1.0), ("Efficiency", 1.0), ("Youth participation", 2.5)]
    staff_post(staff_client, "/secretariat/editions/2027/criteria/3/move", {"direction": "up"})
    assert [n for n, _ in names()] == ["Innovation", "Youth participation", "Efficiency"]
    staff_post(staff_client, "/secretariat/editions/2027/criteria/1/move", {"direction": "down"})
    assert [n for n, _ in names()] == ["Youth participation", "Innovation", "Efficiency"]
    staff_post(
        staff_client,
        "/secretariat/editions/2027/criteria/1",
        {"name_en": "Innovation in content", "weight": "1.5"},
    )
    confirmed_post(staff_client, "/secretariat/editions/2027/criteria/2/remove")
    assert names() == [("Youth participation", 2.5), ("Innovation in content", 1.5)]
    page = staff_client.get("/secretariat/editions/2027")
    assert "Innovation in content" in page.text and "38 %" in page.text
    kinds = _kinds(sqlite_db)
    assert kinds.count("criterion.added") == 2 and "criterion.removed" in kinds
    assert kinds.count("criterion.moved") == 2 and "criterion.updated" in kinds


def test_criterion_refusals(staff_client, sqlite_db):
    _make(sqlite_db, EditionState.draft)
    page = staff_post(
        staff_client, "/secretariat/editions/2027/criteria/new", {"name_en": "", "weight": "0"}
    )
    page = refused_page(staff_client, page)
    assert 'id="name_en-error">Enter the criterion&#39;s name in English.' in page.text
    assert 'id="weight-error">The weight must be more than 0 and at most 100.' in page.text
    with sqlite_db.read() as session:
        assert [c.name_en for c in session.exec(select(Criterion)).all()] == ["Innovation"]
    unknown = staff_client.get("/secretariat/editions/2027/criteria/99")
    assert unknown.status_code == 404
    assert "<h1>Page not found</h1>" in unknown.text


def test_criteria_are_frozen_once_a_score_exists(staff_client, sqlite_db):
    edition = _make(sqlite_db, EditionState.shortlisting)
    _score(sqlite_db, edition)
    page = staff_client.get("/secretariat/editions/2027")
    assert "Scores are recorded: the criteria and the scale are frozen." in page.text
    page = staff_post(
        staff_client, "/secretariat/editions/2027/criteria/new", {"name_en": "New", "weight": "1"}
    )
    page = refused_page(staff_client, page)
    assert "Scores are recorded: the criteria are frozen." in page.text
    page = staff_post(staff_client, "/secretariat/editions/2027/criteria/1/remove")
    page = refused_page(staff_client, page)
    assert "Scores are recorded: the criteria are frozen." in page.text
    with sqlite_db.read() as session:
        assert len(session.exec(select(Criterion)).all()) == 1


# --------------------------------------------------------------------------- moves


def test_a_move_whose_guard_fails_shows_why(staff_client, sqlite_db):
    with sqlite_db.write() as session:
        editions.create_edition(
            session=session,
            actor=audit.SYSTEM,
            now=datetime(2027, 1, 1, tzinfo=UTC),
            year=2027,
            title_en="T",
            opens_at=datetime(2027, 1, 1, tzinfo=UTC),
            deadline=datetime(2027, 6, 30, tzinfo=UTC),
        )
    page = staff_client.get("/secretariat/editions/2027")
    assert "Before you can open the call:" in page.text
    assert "disabled>Open the call</button>" in page.text
    page = staff_post(staff_client, "/secretariat/editions/2027/move", {"to": "open"})
    page = refused_page(staff_client, page)
    assert 'role="alert">Add at least one criterion before opening the call.' in page.text
    assert _stored(sqlite_db, 2027).state is EditionState.draft


def test_open_then_close_the_call_after_the_deadline(staff_client, sqlite_db, clock):
    _make(sqlite_db, EditionState.draft)
    response = confirmed_post(staff_client, "/secretariat/editions/2027/move", {"to": "open"})
    assert response.status_code == 303
    page = staff_client.get("/secretariat/editions/2027")
    assert "The call is open." in page.text
    deadline = formats.deadline(factories.DEADLINE, "en")  # its last minute: 21:59 in Paris
    # before the deadline the call closes early only, with a reason (tests/.../test_close_early)
    assert f"The deadline, {deadline}, has not come. Closing the call now" in page.text
    assert ">Close the call early and start screening</button>" in page.text
    page = confirmed_post(staff_client, "/secretariat/editions/2027/move", {"to": "screening"})
    page = refused_page(staff_client, page)
    assert "Give the reason for going ahead: The deadline, " in page.text
    assert _stored(sqlite_db, 2027).state is EditionState.open
    clock.set(datetime(2027, 7, 1, tzinfo=UTC))
    confirmed_post(staff_client, "/secretariat/editions/2027/move", {"to": "screening"})
    assert _stored(sqlite_db, 2027).state is EditionState.screening
    with sqlite_db.read() as session:
        moves = session.exec(select(AuditEvent).where(AuditEvent.kind == "edition.moved")).all()
    assert [(m.data["from"], m.data["to"], m.actor_kind.value) for m in moves] == [
        ("draft", "open", "staff"),
        ("open", "screening", "staff"),
    ]


def test_reopen_the_call_needs_a_reason_and_a_new_deadline(staff_client, sqlite_db, clock):
    _make(sqlite_db, EditionState.screening)
    clock.set(datetime(2027, 7, 2, tzinfo=UTC))
    page = staff_post(
        staff_client,
        "/secretariat/editions/2027/back",
        {"to": "open", "reason": "", "closes_at": "2027-07-20T23:59"},
    )
    page = refused_page(staff_client, page)
    assert 'id="reason-error">Give a reason for moving back.' in page.text
    assert 'value="2027-07-20T23:59"' in page.text
    page = staff_post(
        staff_client,
        "/secretariat/editions/2027/back",
        {"to": "open", "reason": "Postal strike", "closes_at": "2027-07-01T23:59"},
    )
    page = refused_page(staff_client, page)
    assert 'id="closes_at-error">Choose a date and time in the future.' in page.text
    response = confirmed_post(
        staff_client,
        "/secretariat/editions/2027/back",
        {"to": "open", "reason": "Postal strike", "closes_at": "2027-07-20T23:59"},
    )
    assert response.status_code == 303
    page = staff_client.get("/secretariat/editions/2027")
    assert "The call is open again, until its new deadline." in page.text
    edition = _stored(sqlite_db, 2027)
    assert edition.state is EditionState.open
    assert edition.deadline == datetime(2027, 7, 20, 22, 0, tzinfo=UTC)  # 00:00 on 21 July
    with sqlite_db.read() as session:
        last_two = session.exec(
            select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(2)
        ).all()
    assert [e.kind for e in last_two] == ["edition.moved", "edition.updated"]
    assert all(e.reason == "Postal strike" for e in last_two)


def test_reopen_refused_once_screening_has_begun(staff_client, sqlite_db, clock):
    edition = _make(sqlite_db, EditionState.screening)
    with sqlite_db.write() as session:
        app = factories.application(
            session=session, edition=edition, status=ApplicationStatus.eligible
        )
        app.screened_at = datetime(2027, 7, 2, tzinfo=UTC)
        session.add(app)
    clock.set(datetime(2027, 7, 3, tzinfo=UTC))
    page = staff_post(
        staff_client,
        "/secretariat/editions/2027/back",
        {"to": "open", "reason": "Why not", "closes_at": "2027-07-20T23:59"},
    )
    page = refused_page(staff_client, page)
    assert "Screening has begun: the call cannot be reopened." in page.text
    assert _stored(sqlite_db, 2027).state is EditionState.screening
    assert _stored(sqlite_db, 2027).deadline == datetime(2027, 6, 30, 20, tzinfo=UTC)


def test_adviser_can_change_their_own_password_but_nothing_else(adviser_client, sqlite_db):
    _make(sqlite_db, EditionState.draft)
    page = adviser_client.get("/secretariat/editions/2027")
    assert "Open the call</button>" not in page.text and "Add a criterion" not in page.text
    response = staff_post(
        adviser_client,
        "/secretariat/account/password",
        {
            "current": "correct horse battery staple",
            "new": "a quiet river at dawn",
            "again": "a quiet river at dawn",
        },
    )
    assert response.status_code == 303
    with TestClient(adviser_client.app, follow_redirects=False) as fresh:
        login(fresh, "adviser@example.org", "a quiet river at dawn")  # asserts it signs in
    refused = staff_post(adviser_client, "/secretariat/editions/2027/move", {"to": "open"})
    assert refused.status_code == 403
    assert "You are not allowed to see this page." in refused.text
    assert _stored(sqlite_db, 2027).state is EditionState.draft


def test_move_without_csrf_is_refused(staff_client, sqlite_db):
    _make(sqlite_db, EditionState.draft)
    page = staff_client.post("/secretariat/editions/2027/move", data={"to": "open"})
    assert page.status_code == 403
    assert "This form was not accepted" in page.text
    assert _stored(sqlite_db, 2027).state is EditionState.draft


# --------------------------------------------------------------------------- the domain, both engines


def test_criteria_reorder_and_remove_keep_positions_unique(db, clock):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.draft)
        for name in ("B", "C", "D"):
            criteria.add(
                session=session,
                actor=audit.SYSTEM,
                now=clock(),
                edition=edition,
                spec=CriterionSpec(name, ""),
            )
        ids = [c.id for c in criteria.criteria_of(session=session, edition=edition)]
        criteria.move(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            edition=edition,
            criterion_id=ids[3],
            up=True,
        )
        criteria.remove(
            session=session, actor=audit.SYSTEM, now=clock(), edition=edition, criterion_id=ids[0]
        )
    with db.read() as session:
        edition = editions.get_by_year(session=session, year=2027)
        found = [
            (c.position, c.name_en) for c in criteria.criteria_of(session=session, edition=edition)
        ]
        assert audit.verify(session=session).ok
    assert found == [(1, "B"), (2, "D"), (3, "C")]


def test_update_edition_refuses_published_and_checks_order(db, clock):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.published)
        with pytest.raises(NotAllowed):
            editions.update_edition(
                session=session,
                actor=audit.SYSTEM,
                now=clock(),
                edition=edition,
                values={"title_en": "New"},
            )
    with db.write() as session:
        edition = factories.edition(session=session, year=2029, state=EditionState.draft)
        with pytest.raises(DomainError) as refused:
            editions.update_edition(
                session=session,
                actor=audit.SYSTEM,
                now=clock(),
                edition=edition,
                values={"announce_at": datetime(2027, 2, 1, tzinfo=UTC)},
            )
    assert refused.value.field == "announce_at"


def test_move_back_from_final_sets_the_first_rounds_closing(db, clock):
    with db.write() as session:
        edition = factories.edition(
            session=session,
            state=EditionState.final,
            shortlist_closes_at=datetime(2027, 9, 1, tzinfo=UTC),
            final_closes_at=datetime(2027, 10, 1, tzinfo=UTC),
        )
        clock.set(datetime(2027, 9, 5, tzinfo=UTC))
        transitions.move_back(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            edition=edition,
            to=EditionState.shortlisting,
            reason="A juror was ill",
            closes_at=datetime(2027, 9, 12, tzinfo=UTC),
        )
    with db.read() as session:
        stored = editions.get_by_year(session=session, year=2027)
        assert stored.state is EditionState.shortlisting
        assert stored.shortlist_closes_at == datetime(2027, 9, 12, tzinfo=UTC)
        options = lifecycle.options(session, stored, clock())
    assert [(o.to.value, o.backward) for o in options] == [("final", False)]
    assert options[0].problems[0].msgid == "Confirm the shortlist before the final round."


def test_each_edition_row_opens_its_edition_with_its_state_as_a_pill(staff_client, sqlite_db):
    from prize.models import EditionState
    from tests import factories

    with sqlite_db.write() as session:
        factories.edition(session=session, year=2026, state=EditionState.published)
        factories.edition(session=session, year=2027, state=EditionState.draft)
        factories.edition(session=session, year=2027, state=EditionState.open, rehearsal=True)
    page = staff_client.get("/secretariat/editions").text
    assert page.count('<tr class="rowlink">') == 3
    assert '<a class="rowlink-main" href="/secretariat/editions/2026">2026</a>' in page
    assert '<a class="rowlink-main" href="/secretariat/editions/2027">2027</a>' in page
    assert '<a class="rowlink-main" href="/secretariat/editions/2027-rehearsal">2027</a>' in page
    assert '<span class="pill pill-ok">published</span>' in page
    assert '<span class="pill pill-draft">draft</span>' in page
    assert '<span class="pill pill-active">open for applications</span>' in page
