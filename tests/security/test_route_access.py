"""Every route declares who may open it, in the route table (``prize.views.access.route``).

A route made any other way (a bare Starlette ``Route``) fails here the day it is added; and what
each POST route declares agrees with who the security tests expect to post to it
(``tests/securitykit.py``'s audiences, kept independently of the declarations).
"""

from __future__ import annotations

import pytest
from starlette.routing import Mount

from prize.app import create_app
from prize.settings import Settings
from prize.views.access import DeclaredRoute, Who, route
from tests import securityworld
from tests.appkit import TEST_KEYS
from tests.securitykit import RouteInfo, audience

APP = create_app(Settings(secret_keys=TEST_KEYS, database_url="sqlite://"))
ROUTES = [r for r in APP.routes if not isinstance(r, Mount)]  # /static: files, for everyone

# Who may post, per the security tests' audience, and the declarations that allow exactly them.
POSTING = {
    "public": {Who.public},
    "reset": {Who.public},  # the reset link's claim is checked by the view itself
    "staff": {Who.staff},
    "secretariat": {Who.staff_write, Who.staff_write_on_post},
    "applicant": {Who.applicant},
    "juror": {Who.juror},
}
# Listed public by the security tests (a POST without a session changes nothing), but there is no
# ballot session to end without one: the juror's gate answers with the no-session page.
SESSION_ENDING = {"ballot_sign_out": {Who.juror}}


def test_every_route_declares_who_may_open_it() -> None:
    undeclared = [
        getattr(r, "path", repr(r))
        for r in ROUTES
        if not isinstance(r, DeclaredRoute) or not isinstance(r.access, Who)
    ]
    assert ROUTES and undeclared == []


@pytest.mark.parametrize(
    "declared",
    [r for r in ROUTES if isinstance(r, DeclaredRoute) and "POST" in (r.methods or ())],
    ids=lambda r: r.name,
)
def test_who_may_post_is_what_the_security_tests_expect(declared: DeclaredRoute) -> None:
    info = RouteInfo(declared.path, declared.name, frozenset(declared.methods or ()), ())
    assert declared.access in SESSION_ENDING.get(declared.name, POSTING[audience(info)])


def test_the_back_office_and_the_ballot_declare_their_sessions() -> None:
    """Outside the sign-in pages, no back-office page is public; outside the link itself, no
    ballot page; no applicant page that names an application."""
    for r in ROUTES:
        assert isinstance(r, DeclaredRoute)
        if r.path.startswith("/secretariat") and r.name not in {
            "staff_login",
            "staff_logout",
            "staff_forgot",
            "staff_reset_link",
            "staff_reset",
        }:
            assert r.access in {Who.staff, Who.staff_write, Who.staff_write_on_post}, r.name
        if r.path.startswith("/ballot") and r.name != "ballot_link":
            assert r.access is Who.juror, r.name
        if r.path.startswith("/apply/{application_id"):
            assert r.access is Who.applicant, r.name


def test_a_checked_view_must_be_sync() -> None:
    async def view(request: object) -> None:
        return None

    with pytest.raises(TypeError):
        route("/x", view, access=Who.staff)


# --------------------------------------------------------------------------- what the gate answers

STAFF_PAGES = [
    r
    for r in ROUTES
    if isinstance(r, DeclaredRoute)
    and r.access in {Who.staff_write, Who.staff_write_on_post}
    and {"GET", "POST"} <= set(r.methods or ())
]


def _info(r: DeclaredRoute) -> RouteInfo:
    return RouteInfo(r.path, r.name, frozenset(r.methods or ()), tuple(r.param_convertors))


@pytest.fixture(scope="module")
def world(tmp_path_factory, sqlite_template):
    return securityworld.template(tmp_path_factory, sqlite_template)


@pytest.mark.xdist_group("route_access")
def test_an_adviser_reads_a_form_page_but_only_a_write_route_refuses_it(world) -> None:
    """``staff_write`` refuses an adviser its GET page too; ``staff_write_on_post`` shows it."""
    adviser = world.client("adviser")
    assert STAFF_PAGES
    for r in STAFF_PAGES:
        page = adviser.get(world.path(_info(r)), follow_redirects=False)
        if r.access is Who.staff_write:
            assert page.status_code == 403, r.name
            assert "<h1>Not allowed</h1>" in page.text, r.name
        else:
            assert page.status_code == 200, r.name
            assert "Not allowed" not in page.text, r.name


@pytest.mark.xdist_group("route_access")
def test_a_stranger_is_sent_to_sign_in_from_every_back_office_page(world) -> None:
    stranger = world.client("anonymous")
    for r in STAFF_PAGES:
        path = world.path(_info(r))
        page = stranger.get(path, follow_redirects=False)
        assert page.status_code == 303, r.name
        assert page.headers["location"].startswith("/secretariat/login?next="), r.name
