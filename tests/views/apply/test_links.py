"""Resume links: exchanged for a session, reusable, valid by the application's state, revocable,
and refused with a clear page (that names no one) when tampered, expired or revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from prize.domain.applicants import applications
from prize.domain.applicants import links as application_links
from prize.models import Application, Edition, EditionState
from prize.storage import FolderStore
from prize.tokens import LinkExpired, LinkInvalid, LinkRevoked, Purpose
from tests.appkit import TEST_KEYS, csrf_of, make_signer, refused_page
from tests.applykit import (
    APPLICANT,
    CALL_DEADLINE,
    link_maker,
    links_in,
    make_call,
    start_application,
)


def open_link(db, token, clock, keys=TEST_KEYS):
    """Open ``token`` now, on ``clock``: the signer judges its age and the domain its state."""
    with db.read() as session:
        return application_links.open_link(
            session=session, signer=make_signer(clock, keys), token=token, now=clock()
        )


def revoke(db, application_id, clock):
    with db.write() as session:
        return applications.revoke_link(
            session=session,
            application=session.get_one(Application, application_id),
            links=link_maker(clock=clock),
            client="192.0.2.1",
            now=clock(),
        )


def set_state(db, state):
    with db.write() as session:
        edition = session.exec(select(Edition)).one()
        edition.state = state
        session.add(edition)


# --------------------------------------------------------------------------- domain


def test_a_link_opens_its_application_and_can_be_used_again(db, clock):
    make_call(db, clock())
    application = start_application(db, clock())
    token = link_maker(clock=clock).token(application)
    assert open_link(db, token, clock).id == application.id
    clock.advance(days=1)
    assert open_link(db, token, clock).id == application.id


def test_a_tampered_link_is_invalid(db, clock):
    make_call(db, clock())
    token = link_maker(clock=clock).token(start_application(db, clock()))
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(LinkInvalid):
        open_link(db, tampered, clock)
    with pytest.raises(LinkInvalid):
        open_link(db, token[: len(token) // 2], clock)


def test_a_link_for_another_purpose_is_invalid(db, clock):
    make_call(db, clock())
    application = start_application(db, clock())
    ballot_token = make_signer(clock).dumps(
        Purpose.ballot, application.id, 1, application.link_secret
    )
    with pytest.raises(LinkInvalid):
        open_link(db, ballot_token, clock)


def test_a_link_older_than_a_year_has_expired(db, clock):
    make_call(db, clock())
    application = start_application(db, clock())
    old_token = link_maker(clock=clock).token(application)
    clock.advance(days=367)  # the edition is not published: only the link's age closes it
    with pytest.raises(LinkExpired):
        open_link(db, old_token, clock)


def test_a_link_expires_once_the_results_are_published(db, clock):
    make_call(db, clock())
    application = start_application(db, clock())
    token = link_maker(clock=clock).token(application)
    clock.set(CALL_DEADLINE + timedelta(days=200))
    set_state(db, EditionState.decided)
    assert open_link(db, token, clock) is not None  # read-only, still open
    assert open_link(db, token, clock).id == application.id
    set_state(db, EditionState.published)
    with pytest.raises(LinkExpired):
        open_link(db, token, clock)


def test_revoking_kills_earlier_links_and_sessions_and_mails_a_new_link(db, clock):
    make_call(db, clock())
    application = start_application(db, clock())
    old_token = link_maker(clock=clock).token(application)
    renewed = revoke(db, application.id, clock)
    assert renewed.link_version == 2
    with pytest.raises(LinkRevoked):
        open_link(db, old_token, clock)
    assert open_link(db, link_maker(clock=clock).token(renewed), clock).id == application.id
    with db.read() as session, pytest.raises(LinkRevoked):
        application_links.from_session(
            session=session,
            application_id=application.id,
            version=1,
            secret=renewed.link_secret,
            now=clock(),
        )
    with db.read() as session:
        from prize.models import OutboxMessage

        last = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert last is not None and last.subject.startswith("Your new application link")
    assert links_in(last.body, clock) == [(application.id, 2)]


def test_a_deleted_drafts_link_is_revoked(db, clock, tmp_path):
    make_call(db, clock())
    application = start_application(db, clock())
    token = link_maker(clock=clock).token(application)
    with db.write() as session:
        applications.delete_draft(
            session=session,
            application=session.get_one(Application, application.id),
            store=FolderStore(tmp_path),
            now=clock(),
        )
    with pytest.raises(LinkRevoked):
        open_link(db, token, clock)


def test_links_survive_key_rotation_both_ways(db, clock):
    make_call(db, clock())
    application = start_application(db, clock())
    old_key, new_key = "an-old-key-0123456789abcdef", "a-new-key-0123456789abcdef"
    before = make_signer(clock, [old_key]).dumps(
        Purpose.application, application.id, 1, application.link_secret
    )
    after = make_signer(clock, [new_key, old_key]).dumps(
        Purpose.application, application.id, 1, application.link_secret
    )
    # A link made before the rotation still opens; one made after is signed with the new key.
    assert open_link(db, before, clock, keys=(new_key, old_key)).id == application.id
    assert open_link(db, after, clock, keys=(new_key,)).id == application.id
    with pytest.raises(LinkInvalid):
        open_link(db, after, clock, keys=(old_key,))
    # Once the old key is dropped, its links stop working.
    with pytest.raises(LinkInvalid):
        open_link(db, before, clock, keys=(new_key,))


# --------------------------------------------------------------------------- pages


def test_following_a_link_opens_the_application_at_a_clean_address(
    client, open_call, sqlite_db, clock
):
    application = start_application(sqlite_db, clock())
    response = client.get(f"/apply/link/{link_maker(clock=clock).token(application)}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/apply/{application.id}/tasks"  # its task list
    page = client.get(response.headers["location"])
    assert '<p class="lead">Street theatre against drugs</p>' in page.text
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_same_link_opens_on_a_second_device(app, open_call, sqlite_db, clock):
    from starlette.testclient import TestClient

    application = start_application(sqlite_db, clock())
    token = link_maker(clock=clock).token(application)
    for _ in range(2):  # a mail scanner first, then the person, then their phone
        with TestClient(app, follow_redirects=False) as device:
            opened = device.get(f"/apply/link/{token}")
            assert opened.status_code == 303
            assert opened.headers["location"] == f"/apply/{application.id}/tasks"
            page = device.get(f"/apply/{application.id}")
            assert page.status_code == 200
            assert 'value="Street theatre against drugs"' in page.text


@pytest.mark.parametrize(
    ("make_token", "status", "heading"),
    [
        (lambda t: t[:-3] + "xyz", 400, "This link does not work"),
        (lambda t: "garbage", 400, "This link does not work"),
    ],
)
def test_a_bad_link_gets_a_clear_page_that_names_no_one(
    client, open_call, sqlite_db, clock, make_token, status, heading
):
    application = start_application(sqlite_db, clock())
    response = client.get(f"/apply/link/{make_token(link_maker(clock=clock).token(application))}")
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in response.text
    assert "Street theatre" not in response.text and APPLICANT not in response.text
    refused = client.get(f"/apply/{application.id}")
    assert refused.status_code == 403
    assert "Open your personal link" in refused.text
    assert "Street theatre" not in refused.text


def test_a_revoked_link_gets_the_revoked_page(client, open_call, sqlite_db, clock):
    application = start_application(sqlite_db, clock())
    token = link_maker(clock=clock).token(application)
    revoke(sqlite_db, application.id, clock)
    response = client.get(f"/apply/link/{token}")
    assert response.status_code == 410
    assert "<h1>This link is no longer valid</h1>" in response.text
    assert "Street theatre" not in response.text


def test_an_expired_link_gets_the_expired_page(client, open_call, sqlite_db, clock):
    application = start_application(sqlite_db, clock())
    set_state(sqlite_db, EditionState.published)
    response = client.get(f"/apply/link/{link_maker(clock=clock).token(application)}")
    assert response.status_code == 410
    assert "<h1>This link has expired</h1>" in response.text


def test_without_a_link_the_application_asks_for_it(client, open_call, sqlite_db, clock):
    application = start_application(sqlite_db, clock())
    for path in (f"/apply/{application.id}", "/apply/9999", f"/apply/{application.id}/files"):
        page = client.get(path)
        assert page.status_code == 403
        assert "Open your personal link" in page.text
        assert "Street theatre" not in page.text


def test_a_session_dies_at_once_when_the_link_is_revoked_elsewhere(
    app, applicant, sqlite_db, clock
):
    client, application = applicant
    revoke(sqlite_db, application.id, clock)
    page = client.get(f"/apply/{application.id}")
    assert page.status_code == 410
    assert "<h1>This link is no longer valid</h1>" in page.text
    again = client.get(f"/apply/{application.id}")
    assert again.status_code == 403  # the entry is gone
    assert "Open your personal link" in again.text
    assert "Street theatre" not in again.text


def test_after_the_deadline_the_link_opens_the_application_read_only(applicant, clock):
    client, application = applicant
    clock.set(CALL_DEADLINE + timedelta(seconds=1))
    page = client.get(f"/apply/{application.id}")
    assert page.status_code == 200
    assert (
        "The deadline has passed: you can read your application but no longer change it."
        in page.text
    )
    assert '<form method="post" action="/apply/' not in page.text


def test_revoking_from_the_page_keeps_this_browser_and_mails_a_new_link(
    app, applicant, sqlite_db, clock
):
    from starlette.testclient import TestClient

    client, application = applicant
    old_token = link_maker(clock=clock).token(application)
    with TestClient(app, follow_redirects=False) as other_device:
        other_device.get(f"/apply/link/{old_token}")
        page = client.get(f"/apply/{application.id}/new-link")
        assert "every earlier link stops working" in page.text
        response = client.post(
            f"/apply/{application.id}/new-link",
            data={"csrf_token": csrf_of(client, f"/apply/{application.id}/new-link")},
        )
        assert response.status_code == 303
        page = client.get(f"/apply/{application.id}")
        assert "Your earlier links no longer work." in page.text
        elsewhere = other_device.get(f"/apply/{application.id}")
        assert elsewhere.status_code == 410
        assert "<h1>This link is no longer valid</h1>" in elsewhere.text
    old = client.get(f"/apply/link/{old_token}")
    assert old.status_code == 410
    assert "<h1>This link is no longer valid</h1>" in old.text
    with sqlite_db.read() as session:
        renewed = session.get_one(Application, application.id)
    assert renewed.link_version == 2
    fresh = client.get(f"/apply/link/{link_maker(clock=clock).token(renewed)}")
    assert fresh.status_code == 303
    assert fresh.headers["location"] == f"/apply/{application.id}/tasks"


def test_revoking_is_rate_limited(applicant, sqlite_db, clock):
    client, application = applicant
    for _ in range(applications.MAIL_PER_ADDRESS - 1):  # the start e-mail counted once
        revoke(sqlite_db, application.id, clock)
        with sqlite_db.read() as session:
            renewed = session.get_one(Application, application.id)
        client.get(f"/apply/link/{link_maker(clock=clock).token(renewed)}")
    page = client.post(
        f"/apply/{application.id}/new-link",
        data={"csrf_token": csrf_of(client, f"/apply/{application.id}/new-link")},
    )
    page = refused_page(client, page)
    assert "Too many e-mails were sent to this address." in page.text


def test_the_token_never_reaches_the_log(client, open_call, sqlite_db, clock, caplog):
    import logging

    from prize.security import redact

    application = start_application(sqlite_db, clock())
    token = link_maker(clock=clock).token(application)
    path = f"/apply/link/{token}"
    assert token not in redact(f'127.0.0.1 - "GET {path} HTTP/1.1" 303')
    with caplog.at_level(logging.INFO):
        logging.getLogger("uvicorn.access").info(
            '%s - "GET %s HTTP/1.1" %d', "127.0.0.1", path, 303
        )
    assert token not in caplog.text
