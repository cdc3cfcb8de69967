"""Every route declares who may open it, in the route table (``prize.views.access.route``).

A route made any other way (a bare Starlette ``Route``) fails here the day it is added; and what
each POST route declares agrees with who the security tests expect to post to it
(``tests/securitykit.py``'s audiences, kept independently of the declarations).
"""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount

from prize.app import create_app
from prize.models import Application, Juror
from prize.settings import Settings
from prize.views.access import (
    DeclaredRoute,
    Refusal,
    Who,
    current_applicant,
    current_juror,
    route,
)
from prize.views.common import database
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
    assert declared.access in POSTING[audience(info)]


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
        if r.path.startswith("/ballot") and r.name not in {"ballot_link", "ballot_signed_out"}:
            assert r.access is Who.juror, r.name
        if r.path.startswith("/apply/{application_id"):
            assert r.access is Who.applicant, r.name


def test_a_checked_view_must_be_sync() -> None:
    async def view(request: object) -> None:
        return None

    with pytest.raises(TypeError):
        route("/x", view, access=Who.staff)


def test_only_a_link_gate_answers_its_refusals_otherwise() -> None:
    def view(request: Request) -> Response:
        return PlainTextResponse("")

    with pytest.raises(TypeError):
        route("/x", view, access=Who.staff, refused=lambda request, refusal: view(request))


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


# --------------------------------------------------------------------------- what the link gates hand on

RAN: list[str] = []


def _application(request: Request) -> Response:
    RAN.append(request.url.path)
    application, edition, mode = current_applicant(request)
    return PlainTextResponse(f"application {application.id} of {edition.year}, {mode.value}")


def _ballot(request: Request) -> Response:
    RAN.append(request.url.path)
    juror, edition = current_juror(request)
    return PlainTextResponse(f"juror {juror.id} of {edition.year}")


def _revoked_meanwhile(request: Request) -> Response:
    """A write after another request revoked the link the gate just let in."""
    opened = current_applicant(request)
    with database(request).write() as session:
        session.get_one(Application, opened.application_id).link_version += 1
    with database(request).write() as session:
        application, _, _ = opened.reopen(session, request)
        application.late_reason = "written"  # never reached
    return PlainTextResponse("written")


def _signed_out_meanwhile(request: Request) -> Response:
    seated = current_juror(request)
    with database(request).write() as session:
        session.get_one(Juror, seated.juror.id).session_version += 1
    with database(request).write() as session:
        seated.reopen(session, request)
    return PlainTextResponse("written")


def _in_words(request: Request, refusal: Refusal) -> Response:
    return PlainTextResponse(f"refused: {type(refusal).__name__}", status_code=401)


@pytest.fixture
def probed(world, tmp_path):
    """A copy of the world whose app has probe routes behind the applicant's and juror's gates."""
    copy = world.copy(tmp_path)
    copy.app.router.routes[:0] = [
        route("/apply/{application_id:int}/probe", _application, access=Who.applicant),
        route("/apply/{application_id:int}/late", _revoked_meanwhile, access=Who.applicant),
        route(
            "/apply/{application_id:int}/words",
            _application,
            access=Who.applicant,
            refused=_in_words,
        ),
        route("/ballot/probe", _ballot, access=Who.juror),
        route("/ballot/late", _signed_out_meanwhile, access=Who.juror),
        route("/ballot/words", _ballot, access=Who.juror, refused=_in_words),
    ]
    RAN.clear()
    return copy


def test_the_applicants_gate_hands_the_view_its_application_and_no_other(probed) -> None:
    mine = probed.ids["applicant_app"]
    page = probed.client("applicant").get(f"/apply/{mine}/probe")
    assert page.text == f"application {mine} of {probed.ids['open_year']}, edit"
    for role in ("anonymous", "other_applicant", "juror", "secretariat"):
        page = probed.client(role).get(f"/apply/{mine}/probe")
        assert (page.status_code, "<h1>Open your personal link</h1>" in page.text) == (403, True)
        words = probed.client(role).get(f"/apply/{mine}/words")
        assert (words.status_code, words.text) == (401, "refused: NeedLink")
    assert [f"/apply/{mine}/probe"] == RAN  # the view never ran for a stranger


def test_a_link_revoked_before_the_views_write_writes_nothing_and_is_forgotten(probed) -> None:
    mine = probed.ids["applicant_app"]
    client = probed.client("applicant")
    page = client.get(f"/apply/{mine}/late")
    assert page.status_code == 410
    assert "This link is no longer valid" in page.text
    assert "written" not in page.text
    again = client.get(f"/apply/{mine}/probe")  # this browser no longer holds the link
    assert "<h1>Open your personal link</h1>" in again.text
    assert RAN == []


def test_the_jurors_gate_hands_the_view_its_juror_and_no_other(probed) -> None:
    page = probed.client("juror").get("/ballot/probe")
    assert page.text == f"juror {probed.ids['juror']} of {probed.ids['jury_year']}"
    for role in ("anonymous", "applicant", "secretariat"):
        page = probed.client(role).get("/ballot/probe")
        assert (page.status_code, "<h1>Open your personal link</h1>" in page.text) == (401, True)
        words = probed.client(role).get("/ballot/words")
        assert (words.status_code, words.text) == (401, "refused: NoJuror")
    assert RAN == ["/ballot/probe"]


def test_a_ballot_session_ended_before_the_views_write_ends_in_this_browser(probed) -> None:
    client = probed.client("juror")
    page = client.get("/ballot/late")
    assert page.status_code == 410
    assert "written" not in page.text
    again = client.get("/ballot/probe")  # the session was ended: no ballot session any more
    assert (again.status_code, "<h1>Open your personal link</h1>" in again.text) == (401, True)
    assert RAN == []
