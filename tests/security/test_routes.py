"""Every state-changing route refuses a missing or wrong CSRF token, and a user of the wrong role.

The routes come from the app itself (every route whose methods include POST, PUT, PATCH or
DELETE), so a new one is covered the day it is added, or fails here until
``tests/securitykit.py`` says who may post to it. Each refusal is checked on what a person sees
and on what is stored: every row of every table, and the storage folder, are unchanged.
"""

from __future__ import annotations

import base64
import json

import pytest
from itsdangerous import TimestampSigner
from sqlmodel import select

from prize.app import create_app
from prize.models import BallotEntry, Score
from prize.settings import Settings
from tests import securityworld
from tests.appkit import TEST_KEYS
from tests.securitykit import (
    RIGHT_ROLE,
    WRONG_ROLES,
    RouteInfo,
    all_routes,
    audience,
    changed_tables,
    files_in,
    fill,
    form_data,
    snapshot,
    state_changing_routes,
    typical,
)
from tests.securityworld import World

# Its tests share a module fixture that is costly to build: one xdist worker runs them all.
pytestmark = pytest.mark.xdist_group("routes")

APP = create_app(Settings(secret_keys=TEST_KEYS, database_url="sqlite://"))
ROUTES = state_changing_routes(APP)


def _audience_or_none(route: RouteInfo) -> str | None:
    try:
        return audience(route)
    except Exception:
        return None


ROLE_CASES = [
    (route, role)
    for route in ROUTES
    for role in WRONG_ROLES.get(_audience_or_none(route) or "public", ())
]


@pytest.fixture(scope="module")
def world(tmp_path_factory, sqlite_template) -> World:
    """One world for the module: every test here is a refusal, so nothing in it changes."""
    return securityworld.template(tmp_path_factory, sqlite_template)


@pytest.fixture(scope="module")
def bodies(world):
    """For each route, the body its own form sends (as its rightful user sees the form)."""
    return {name: fill(forms[0], typical) for name, forms in securityworld.forms_of(world).items()}


def refused_unchanged(world: World, post) -> object:
    before, files = snapshot(world.database), files_in(world.settings.storage_dir)
    response = post()
    assert changed_tables(before, snapshot(world.database)) == []
    assert files_in(world.settings.storage_dir) == files
    return response


# --------------------------------------------------------------------------- classification


def test_the_app_has_state_changing_routes_and_each_is_classified():
    unclassified = [str(r) for r in ROUTES if _audience_or_none(r) is None]
    assert unclassified == []
    assert len(ROUTES) >= 60
    assert {audience(r) for r in ROUTES} == {
        "public", "reset", "staff", "secretariat", "applicant", "juror"
    }  # fmt: skip


def test_every_route_has_real_rows_for_its_parameters(world):
    for route in ROUTES:
        assert world.path(route).startswith("/"), route


# --------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_post_without_a_valid_csrf_token_is_refused_and_stores_nothing(world, bodies, route):
    role = RIGHT_ROLE[audience(route)]
    client = world.client(role)
    stranger = "other_applicant" if role != "other_applicant" else "anonymous"
    stranger_token = world.csrf(world.client(stranger))  # valid, but another browser's
    body = [
        (k, v) for k, v in bodies.get(route.name, [("title", "Typed text")]) if k != "csrf_token"
    ]
    kept = [v for k, v in body if v and "\n" not in v][:1]
    ours, theirs = {"Origin": "http://testserver"}, {"Origin": "https://evil.example"}
    forged = "forged-token-0123456789abcdefghijklmnop"
    refusals = [(None, ours), ("", ours), (forged, theirs), (stranger_token, theirs), (forged, {})]
    for token, headers in refusals:  # not from one of our pages: nothing is echoed
        data = body + ([("csrf_token", token)] if token is not None else [])
        page = refused_unchanged(
            world,
            lambda data=data, headers=headers: client.post(
                world.path(route), data=form_data(data), headers=headers
            ),
        )
        assert page.status_code == 403, (route, token, page.status_code)
        assert "<h1>This form was not accepted</h1>" in page.text
        assert "csrf_token" not in page.text
        for value in kept:
            assert f'value="{value}"' not in page.text
    for token in (forged, stranger_token):  # a stale page of ours: offered again, filled in
        data = [*body, ("csrf_token", token)]
        page = refused_unchanged(
            world,
            lambda data=data: client.post(world.path(route), data=form_data(data), headers=ours),
        )
        assert page.status_code == 403, (route, token, page.status_code)
        assert "<h1>Please send again</h1>" in page.text
        for value in kept:  # what was typed is offered back (escaped), nothing is lost
            assert f'value="{value}"' in page.text or value in page.text


# --------------------------------------------------------------------------- roles


EXPECTED = {
    # audience: {role: (status, text the page shows)}
    "secretariat": {"adviser": (403, "<h1>Not allowed</h1>")},
    "applicant": {"*": (403, "<h1>Open your personal link</h1>")},
    "juror": {"*": (401, "<h1>Open your personal link</h1>")},
    "reset": {"*": (400, "Open the link from the e-mail first.")},
}
EXPECTED_BY_ROUTE = {
    # Signed out while typing: the form is offered again, filled in, once the link is opened.
    "apply_form": (403, "<h1>Please send again</h1>"),
    "apply_section": (403, "<h1>Please send again</h1>"),  # one section of that form
    # The ballot's autosave answers its script in JSON.
    "ballot_autosave": (401, '"message":"You are signed out: open your personal link again."'),
    # So does the application form's.
    "apply_autosave": (401, '"message":"You are signed out: open your link again."'),
}


@pytest.mark.parametrize(("route", "role"), ROLE_CASES, ids=lambda v: str(v).split(" (")[0])
def test_a_post_from_the_wrong_role_is_refused_and_stores_nothing(world, bodies, route, role):
    client = world.client(role)
    data = [(k, v) for k, v in bodies.get(route.name, []) if k != "csrf_token"]
    data.append(("csrf_token", world.csrf(client)))
    page = refused_unchanged(world, lambda: client.post(world.path(route), data=form_data(data)))
    kind = audience(route)
    expected = EXPECTED.get(kind, {})
    if route.name in EXPECTED_BY_ROUTE or role in expected or "*" in expected:
        status, text = EXPECTED_BY_ROUTE.get(route.name) or expected.get(role, expected.get("*"))
        assert (page.status_code, text in page.text) == (status, True), page.text[:300]
    else:  # not signed in to the back office: to the sign-in page
        assert page.status_code == 303
        assert page.headers["location"].startswith("/secretariat/login")


def test_the_reset_route_refuses_a_browser_whose_link_was_used(world, bodies):
    client = world.client("reset")
    client.cookies.clear()
    page = client.get("/secretariat/password/new")
    assert page.status_code == 400
    assert "Open the link from the e-mail first." in page.text


# --------------------------------------------------------------------------- one person, one ballot


def test_a_juror_never_sees_another_jurors_ballot(world):
    reference = world.ids["ballot_reference"]
    mine = world.client("juror").get(f"/ballot/applications/{reference}")
    theirs = world.client("other_juror").get(f"/ballot/applications/{reference}")
    assert mine.status_code == theirs.status_code == 200
    assert securityworld.PRIVATE_COMMENT.replace("'", "&#39;") in theirs.text
    assert securityworld.PRIVATE_COMMENT.replace("'", "&#39;") not in mine.text


def test_a_jurors_save_never_touches_another_jurors_ballot(world, tmp_path):
    copy = world.copy(tmp_path)
    client = copy.client("juror")
    reference = copy.ids["ballot_reference"]

    def others() -> list[tuple[object, ...]]:
        with copy.database.read() as session:
            scores = session.exec(select(Score.ballot_id, Score.criterion_id, Score.value)).all()
            entries = session.exec(select(BallotEntry.ballot_id, BallotEntry.comment)).all()
        return sorted(scores) + sorted(entries)

    before = others()
    page = client.post(
        f"/ballot/applications/{reference}/save",
        data={"comment": "Lena's own note", "csrf_token": copy.csrf(client)},
    )
    assert page.json()["saved"] is True
    after = others()
    assert [row for row in before if row not in after] == []  # nobody else's row changed
    assert len(after) == len(before) + 1


def test_a_session_cookie_signed_with_another_key_opens_nothing(world):
    forged = base64.b64encode(json.dumps({"juror": [world.ids["other_juror"], 1]}).encode())
    cookie = TimestampSigner("an attacker's guess at the key").sign(forged).decode()
    client = world.client("anonymous")
    client.cookies.set("prize_session", cookie)
    page = client.get("/ballot")
    assert page.status_code == 401
    assert "<h1>Open your personal link</h1>" in page.text
    client.cookies.set("prize_session", cookie)
    staff = client.get("/secretariat")
    assert staff.status_code == 303 and staff.headers["location"].startswith("/secretariat/login")


def test_an_applicant_opens_only_the_applications_of_their_links(world):
    client = world.client("other_applicant")
    app_id, file_id = world.ids["applicant_app"], world.ids["applicant_file"]
    for path in (f"/apply/{app_id}", f"/apply/{app_id}/files", f"/apply/{app_id}/files/{file_id}"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "<h1>Open your personal link</h1>" in page.text
        assert "report.pdf" not in page.text


# --------------------------------------------------------------------------- pages, too

OWN_PAGES = {  # the audience whose pages these are, and how a stranger is answered
    "/secretariat": ("secretariat", ("anonymous", "applicant", "juror")),
    "/ballot": ("juror", ("anonymous", "applicant", "secretariat")),
    "/apply/{application_id": (
        "applicant",
        ("anonymous", "other_applicant", "juror", "secretariat"),
    ),
}
OPEN_PAGES = {
    "staff_login",
    "staff_forgot",
    "staff_reset",
    "staff_reset_link",
    "ballot_link",
    "ballot_signed_out",  # "You are signed out": says nothing of anyone
}
PAGE_CASES = [
    (route, role)
    for route in all_routes(APP)
    if "GET" in route.methods and route.name not in OPEN_PAGES
    for prefix, (_, strangers) in OWN_PAGES.items()
    if route.path.startswith(prefix)
    for role in strangers
]


@pytest.mark.parametrize(("route", "role"), PAGE_CASES, ids=lambda v: str(v).split(" (")[0])
def test_a_page_of_one_kind_of_user_shows_nothing_to_another(world, route, role):
    page = world.client(role).get(world.path(route))
    if route.path.startswith("/secretariat"):
        assert page.status_code == 303
        assert page.headers["location"].startswith("/secretariat/login")
    elif route.path.startswith("/ballot"):
        assert (page.status_code, "<h1>Open your personal link</h1>" in page.text) == (401, True)
    else:
        assert (page.status_code, "<h1>Open your personal link</h1>" in page.text) == (403, True)
    assert "Street theatre against drugs" not in page.text  # the applicant's project
    assert "Intercity Theatre" not in page.text  # projects on the ballot and in screening
