"""Ballot access: the signed link is exchanged for a session and a token-free URL; it opens from
the invitation until the final round closes; expired, revoked, tampered and wrong-purpose links
get a clear page with the right status; a juror only ever sees their own ballot."""

from __future__ import annotations

from datetime import timedelta

from prize.domain.jury import links as juror_links
from prize.domain.shared import audit
from prize.models import EditionState, Juror
from prize.tokens import Purpose
from tests import htmlpages, jury_factories
from tests.appkit import TEST_KEYS, make_signer

MAILTO = '<a href="mailto:secretariat@example.org">secretariat@example.org</a>'


def _juror(db, juror_id: int) -> Juror:
    with db.read() as session:
        return session.get_one(Juror, juror_id)


def test_link_is_exchanged_for_a_session_and_a_token_free_url(client, jury):
    juror = jury.jurors[0]
    response = client.get(jury_factories.link_path(juror))
    assert response.status_code == 303
    assert response.headers["location"] == "/ballot"
    assert "prize_session" in response.headers["set-cookie"]
    page = client.get("/ballot", follow_redirects=True)
    assert page.url.path == "/ballot/welcome"
    assert "Welcome to the jury" in page.text
    assert "/link/" not in str(page.url)
    assert page.headers["referrer-policy"] == "no-referrer"
    htmlpages.save("ballot_welcome", page.text)


def test_link_sets_the_jurors_language_when_none_was_chosen(client, sqlite_db, jury):
    with sqlite_db.write() as session:
        french = jury_factories.juror(
            session=session, edition=jury.edition, email="zoe@example.org", language="fr"
        )
    response = client.get(jury_factories.link_path(french))
    assert "lang=fr" in response.headers["set-cookie"]
    page = client.get("/ballot/welcome")
    assert '<html lang="fr">' in page.text


def test_ballot_without_a_session_asks_for_the_personal_link(client, jury):
    page = client.get("/ballot")
    assert page.status_code == 401
    assert "Open your personal link" in page.text
    assert f"write to the secretariat at {MAILTO}: they can send you the link again." in page.text


def test_tampered_link_is_refused_with_a_clear_page(client, jury):
    path = jury_factories.link_path(jury.jurors[0])
    page = client.get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert page.status_code == 400
    assert "This link does not work" in page.text
    assert f"Write to the secretariat at {MAILTO}: they can send you a new link." in page.text
    assert "Lena" not in page.text
    signed_out = client.get("/ballot")
    assert signed_out.status_code == 401
    assert "Open your personal link" in signed_out.text


def test_link_for_another_purpose_is_refused(client, clock, jury):
    juror = jury.jurors[0]
    token = make_signer(clock).dumps(
        Purpose.application, juror.id, juror.link_version, juror.link_secret
    )
    page = client.get(f"/ballot/link/{token}")
    assert page.status_code == 400
    assert "This link does not work" in page.text


def test_link_older_than_a_year_has_expired(client, clock, jury):
    clock.advance(days=-367)  # the link was made a year and two days ago; the jury still sits
    path = jury_factories.link_path(jury.jurors[0], clock)
    clock.advance(days=367)
    page = client.get(path)
    assert page.status_code == 410
    assert "This link has expired" in page.text


def test_link_expires_when_the_final_round_closes(client, clock, jury):
    path = jury_factories.link_path(jury.jurors[0])
    clock.set(jury_factories.FINAL_CLOSES)
    page = client.get(path)
    assert page.status_code == 410
    assert "This link has expired" in page.text


def test_session_ends_when_the_final_round_closes(juror_client, clock, jury):
    before = juror_client.get("/ballot/welcome")
    assert before.status_code == 200
    assert "Welcome to the jury" in before.text
    clock.set(jury_factories.FINAL_CLOSES + timedelta(seconds=1))
    page = juror_client.get("/ballot/welcome")
    assert page.status_code == 410
    assert "This link has expired" in page.text


def test_link_of_a_decided_edition_has_expired(client, sqlite_db, jury):
    path = jury_factories.link_path(jury.jurors[0])
    with sqlite_db.write() as session:
        edition = session.merge(jury.edition)
        edition.state = EditionState.decided
    page = client.get(path)
    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert "Welcome to the jury" not in page.text


def test_revoking_kills_every_link_and_every_session_at_once(
    juror_client, client, sqlite_db, clock, jury
):
    juror = jury.jurors[0]
    old_path = jury_factories.link_path(juror)
    before = juror_client.get("/ballot/welcome")
    assert before.status_code == 200
    assert "Welcome to the jury" in before.text
    with sqlite_db.write() as session:
        juror_links.revoke(
            session=session, actor=audit.SYSTEM, now=clock(), juror=session.merge(juror)
        )
    page = juror_client.get("/ballot/welcome")
    assert page.status_code == 410
    assert "This link is no longer valid" in page.text
    assert f"Write to the secretariat at {MAILTO}: they can send you a new link." in page.text
    old = client.get(old_path)
    assert old.status_code == 410
    assert "This link is no longer valid" in old.text
    # The session was dropped: afterwards the browser is simply signed out.
    signed_out = juror_client.get("/ballot")
    assert signed_out.status_code == 401
    assert "Open your personal link" in signed_out.text


def test_reissued_link_opens_while_the_earlier_one_stays_dead(client, sqlite_db, clock, jury):
    juror = jury.jurors[0]
    old_path = jury_factories.link_path(juror)
    with sqlite_db.write() as session:
        fresh = juror_links.reissue(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            juror=session.merge(juror),
            links=jury_factories.links(),
        )
    old = client.get(old_path)
    assert old.status_code == 410
    assert "This link is no longer valid" in old.text
    assert client.get(jury_factories.link_path(fresh)).headers["location"] == "/ballot"


def test_link_signed_with_an_older_key_still_opens(client, clock, jury):
    juror = jury.jurors[0]
    old = make_signer(clock, TEST_KEYS[1:]).dumps(
        Purpose.ballot, juror.id, juror.link_version, juror.link_secret
    )
    opened = client.get(f"/ballot/link/{old}")
    assert opened.status_code == 303
    assert opened.headers["location"] == "/ballot"
    assert "Welcome to the jury" in client.get("/ballot/welcome").text


def test_link_of_a_juror_never_invited_does_not_work(client, sqlite_db, jury):
    with sqlite_db.write() as session:
        waiting = jury_factories.juror(session=session, edition=jury.edition, invited=False)
    page = client.get(jury_factories.link_path(waiting))
    assert page.status_code == 400
    assert "This link does not work" in page.text
    signed_out = client.get("/ballot")
    assert signed_out.status_code == 401
    assert "Open your personal link" in signed_out.text


def test_link_opens_before_the_first_round_with_a_waiting_page(client, sqlite_db):
    with sqlite_db.write() as session:
        made = jury_factories.jury_edition(session=session, state=EditionState.screening)
        juror = jury_factories.juror(session=session, edition=made.edition, onboarded=True)
    client.get(jury_factories.link_path(juror))
    page = client.get("/ballot")
    assert page.status_code == 200
    assert "The first jury round has not opened yet." in page.text
    htmlpages.save("ballot_waiting_before", page.text)


def test_juror_sees_only_their_own_ballot(client, sqlite_db, clock, jury):
    from prize.domain.jury import scoring

    lena = jury.jurors[0]
    with sqlite_db.write() as session:
        other = jury_factories.juror(
            session=session, edition=jury.edition, onboarded=True, first_name="Omar"
        )
        scoring.save_entry(
            session=session,
            juror=other,
            now=clock(),
            application_id=jury.applications[0].id,
            scores={jury.criteria[0].id: 9},
            comment="Omar's private comment",
        )
        me = session.merge(lena)
        me.name_confirmed_at = me.pledge_accepted_at = me.conflicts_declared_at = clock()
    client.get(jury_factories.link_path(lena))
    reference = jury.applications[0].reference
    page = client.get(f"/ballot/applications/{reference}")
    assert "Omar's private comment" not in page.text
    assert 'value="9" checked' not in page.text
    # No URL takes a juror's id: a query parameter or a forged one changes nothing.
    page = client.get(f"/ballot?juror={other.id}")
    assert "Omar" not in page.text
    assert "Hello Lena." in page.text


def test_token_in_the_link_never_reaches_the_log(client, jury, caplog):
    import logging

    from prize.security import RedactingFilter

    token = jury_factories.token_of(jury.jurors[0])
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s "GET %s HTTP/1.1" 303',
        ("127.0.0.1", f"/ballot/link/{token}"),
        None,
    )
    RedactingFilter().filter(record)
    assert token not in record.getMessage()
    assert "/ballot/link/[redacted]" in record.getMessage()
