"""Signed links (an application's resume link, a juror's ballot link, a staff password-reset
link): tampered, expired (by age and by the subject's state), revoked, made for another purpose,
and signed with a retired key that is still listed (accepted) or removed from the list (refused).
Every refusal is a clear page with the right status that names no one, and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from prize.domain.applicants import applications
from prize.domain.jury import links as juror_links
from prize.domain.shared import audit
from prize.domain.staff import staff as staff_domain
from prize.models import Application, Edition, EditionState, Juror, Staff
from prize.security import Passwords
from prize.tokens import MAX_AGE_SECONDS, LinkExpired, LinkInvalid, Purpose, Signer
from tests import securityworld
from tests.appkit import TEST_KEYS, Clock, make_signer
from tests.applykit import link_maker
from tests.securitykit import changed_tables, snapshot
from tests.securityworld import World

KINDS = ("application", "ballot", "reset")
ROUTE = {"application": "/apply/link/", "ballot": "/ballot/link/", "reset": "/secretariat/reset/"}
PURPOSE = {
    "application": Purpose.application,
    "ballot": Purpose.ballot,
    "reset": Purpose.password_reset,
}
ROLE = {"application": "applicant", "ballot": "juror", "reset": "reset"}
# Where the browser goes once the token is exchanged for a session.
OPENS = {"application": "/apply/", "ballot": "/ballot", "reset": "/secretariat/password/new"}
# Whose link it is: none of this may show on a refusal.
SUBJECT = ("applicant@example.org", "lena@example.org", "Lena", "colleague@example.org")
INVALID = "This link does not work"
EXPIRED = "This link has expired"
REVOKED = "This link is no longer valid"


@pytest.fixture
def world(tmp_path_factory, sqlite_template, tmp_path) -> World:
    return securityworld.template(tmp_path_factory, sqlite_template).copy(tmp_path)


def token(world: World, kind: str, keys: tuple[str, ...] = TEST_KEYS, age: int = 0) -> str:
    """The subject's current link, signed with ``keys`` (newest first) ``age`` seconds ago on
    the world's clock."""
    claim = make_signer(world.clock).loads(PURPOSE[kind], world.tokens[ROLE[kind]])
    made_at = Clock(world.clock() - timedelta(seconds=age))
    signer = make_signer(made_at, keys)
    return signer.dumps(PURPOSE[kind], claim.subject_id, claim.version, claim.secret)


def follow(world: World, route: str, value: str):
    before = snapshot(world.database)
    page = world.client("anonymous").get(route + value)
    changed = changed_tables(before, snapshot(world.database))
    if page.status_code == 303 and route == ROUTE["application"]:
        # The first opening of a good resume link confirms its address (and nothing more).
        assert changed in ([], ["application"])
    else:
        assert changed == []
    return page


def refused(page, status: int, text: str) -> None:
    assert (page.status_code, f"<h1>{text}</h1>" in page.text) == (status, True), page.text[:400]
    assert [s for s in SUBJECT if s in page.text] == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_good_link_opens_at_a_clean_address(world, kind):
    value = token(world, kind)
    page = world.client("anonymous").get(ROUTE[kind] + value)
    assert page.status_code == 303
    assert page.headers["location"].startswith(OPENS[kind])
    assert value not in page.headers["location"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_tampered_link_is_refused(world, kind):
    value = token(world, kind)
    payload, stamp, signature = value.split(".")
    other = make_signer(world.clock).dumps(PURPOSE[kind], 999, 1, "s").split(".")[0]
    # (not the last character: its low bits are padding, and some changes there decode the same)
    flipped = ("B" if signature[0] != "B" else "C") + signature[1:]
    for bad in (f"{payload}.{stamp}.{flipped}", value[: len(value) // 2], f"{other}.{stamp}.{signature}",
                value + "x", "not-a-token"):  # fmt: skip
        refused(follow(world, ROUTE[kind], bad), 400, INVALID)


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_past_its_maximum_age_has_expired(world, kind):
    """Made long enough ago, while its subject's state still lets it open."""
    age = {"reset": 2 * 3600}.get(kind, 367 * 24 * 3600)  # a reset link lives an hour
    value = token(world, kind, age=age)
    refused(follow(world, ROUTE[kind], value), 410, EXPIRED)


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_stops_with_its_subjects_state(world, kind):
    """An application's link once the results are published; a ballot link once the final
    round has closed; a reset link once used."""
    value = token(world, kind)
    if kind == "application":
        with world.database.write() as session:
            edition = session.exec(
                select(Edition).where(Edition.year == 2027, ~col(Edition.rehearsal))
            ).one()
            edition.state = EditionState.published
            session.add(edition)
        refused(follow(world, ROUTE[kind], value), 410, EXPIRED)
    elif kind == "ballot":
        world.clock.set(datetime(2027, 6, 1, tzinfo=UTC))  # the final round closed on 31 May
        refused(follow(world, ROUTE[kind], value), 410, EXPIRED)
    else:
        client = world.client("anonymous")
        client.get(ROUTE[kind] + value)
        form = {"password": "a brand new passphrase", "again": "a brand new passphrase"}
        form = {**form, "csrf_token": world.csrf(client)}
        assert client.post("/secretariat/password/new", data=form).status_code == 303
        with world.database.read() as session:
            colleague = session.get_one(Staff, world.ids["colleague"])
        assert Passwords(fast=True).verify(colleague.password_hash, "a brand new passphrase")
        refused(follow(world, ROUTE[kind], value), 410, REVOKED)


@pytest.mark.parametrize("kind", KINDS)
def test_a_revoked_link_is_refused_and_the_sessions_it_opened_end(world, kind):
    value = token(world, kind)
    browser = world.client(ROLE[kind])  # a session opened with this link earlier
    with world.database.write() as session:
        if kind == "application":
            applications.revoke_link(
                session=session,
                application=session.get_one(Application, world.ids["applicant_app"]),
                links=link_maker(),
                client="192.0.2.1",
                now=world.clock(),
            )
        elif kind == "ballot":
            juror_links.revoke(
                session=session,
                actor=audit.SYSTEM,
                now=world.clock(),
                juror=session.get_one(Juror, world.ids["juror"]),
            )
        else:
            staff_domain.disable(
                session=session,
                actor=session.get_one(Staff, world.ids["secretariat"]),
                staff_id=world.ids["colleague"],
                now=world.clock(),
            )
    refused(follow(world, ROUTE[kind], value), 410, REVOKED)
    page = browser.get(
        OPENS[kind] + (str(world.ids["applicant_app"]) if kind == "application" else "")
    )
    assert page.status_code == 410
    assert f"<h1>{REVOKED}</h1>" in page.text


@pytest.mark.parametrize(
    ("kind", "route"), [(k, r) for k in KINDS for r in KINDS if k != r], ids=lambda v: v
)
def test_a_link_made_for_another_purpose_is_refused(world, kind, route):
    refused(follow(world, ROUTE[route], token(world, kind)), 400, INVALID)


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_signed_with_a_retired_key_still_listed_opens(world, kind):
    old = token(world, kind, keys=(TEST_KEYS[1],))  # the older key, still in the list
    page = follow(world, ROUTE[kind], old)
    assert page.status_code == 303
    assert page.headers["location"].startswith(OPENS[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_signed_with_a_key_removed_from_the_list_is_refused(world, tmp_path, kind):
    old = token(world, kind, keys=(TEST_KEYS[1],))
    rotated = world.copy(tmp_path / "rotated", secret_keys=(TEST_KEYS[0],))
    refused(follow(rotated, ROUTE[kind], old), 400, INVALID)
    fresh = follow(rotated, ROUTE[kind], token(world, kind, keys=(TEST_KEYS[0],)))
    assert fresh.status_code == 303
    assert fresh.headers["location"].startswith(OPENS[kind])


def test_links_are_signed_with_the_newest_key_and_read_with_every_listed_one():
    made = Signer(TEST_KEYS).dumps(Purpose.ballot, 7, 1, "s")
    assert Signer((TEST_KEYS[0],)).loads(Purpose.ballot, made).subject_id == 7
    with pytest.raises(LinkInvalid):
        Signer((TEST_KEYS[1],)).loads(Purpose.ballot, made)
    older = Signer((TEST_KEYS[1],)).dumps(Purpose.ballot, 7, 1, "s")
    assert Signer(TEST_KEYS).loads(Purpose.ballot, older).subject_id == 7


def test_a_signer_dates_and_ages_its_links_by_its_clock(clock):
    signer = make_signer(clock)
    made = signer.dumps(Purpose.ballot, 7, 1, "s")
    made_at = clock()
    assert signer.loads(Purpose.ballot, made).issued_at == made_at
    clock.advance(seconds=MAX_AGE_SECONDS)
    assert signer.loads(Purpose.ballot, made).subject_id == 7  # its last second
    clock.advance(seconds=1)
    with pytest.raises(LinkExpired):
        signer.loads(Purpose.ballot, made)
    with pytest.raises(LinkExpired):  # a link dated after the reader's clock is not trusted
        make_signer(Clock(made_at - timedelta(seconds=1))).loads(Purpose.ballot, made)
