"""The page that offers a form again after a failed CSRF check offers it only to our own pages.

A form that comes from another site, or without any token, is refused with a page that echoes
nothing, holds no token and leaves the session cookie alone; a stale form from one of our own
pages (an expired session, a page left open) is offered again, filled in.
"""

from __future__ import annotations

import pytest

from prize.security import origin_of, same_origin
from tests.browserkit import html

LOGIN = "/secretariat/login"
TYPED = {"email": "typed-by-someone@example.org", "password": "s3cret-typed"}
REFUSED = "<h1>This form was not accepted</h1>"


def _session_cookies(response) -> list[str]:
    return [c for c in response.headers.get_list("set-cookie") if c.startswith("prize_session=")]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},
        {},
    ],
    ids=["other-origin", "null-origin", "other-referer", "fetch-metadata-cross-site", "nothing"],
)
def test_a_form_not_from_our_pages_is_refused_without_its_fields_a_token_or_a_cookie(
    client, headers
):
    page = client.post(LOGIN, data={**TYPED, "csrf_token": "forged"}, headers=headers)
    assert page.status_code == 403
    assert REFUSED in page.text
    assert "typed-by-someone@example.org" not in page.text
    assert "csrf_token" not in page.text  # no fresh token to send it again with
    assert _session_cookies(page) == []


def test_a_form_without_a_token_is_refused_even_from_our_own_pages(client):
    for data in (TYPED, {**TYPED, "csrf_token": ""}):
        page = client.post(LOGIN, data=data, headers={"Origin": "http://testserver"})
        assert page.status_code == 403
        assert REFUSED in page.text
        assert "typed-by-someone@example.org" not in page.text
        assert _session_cookies(page) == []


def test_a_refused_form_leaves_a_signed_in_session_as_it_was(staff_client):
    page = staff_client.post(
        "/secretariat/staff/invite",
        data={"email": "new@example.org", "role": "adviser"},
        headers={"Origin": "https://evil.example"},
    )
    assert REFUSED in page.text
    assert _session_cookies(page) == []
    assert "Signed in as officer@example.org." in staff_client.get("/secretariat").text


def test_a_stale_token_from_our_own_page_is_offered_again_with_what_was_typed(client):
    page = client.post(
        LOGIN, data={**TYPED, "csrf_token": "stale"}, headers={"Origin": "http://testserver"}
    )
    assert page.status_code == 403
    assert "<h1>Please send again</h1>" in page.text
    assert 'name="email" value="typed-by-someone@example.org"' in page.text
    assert "s3cret-typed" not in page.text  # a password is asked for again
    assert 'name="csrf_token" value="' in page.text and 'value="stale"' not in page.text


@pytest.mark.parametrize(
    "headers",
    [
        # Our pages say Referrer-Policy: no-referrer, so a browser sends its own form's POST
        # with "Origin: null"; Fetch Metadata still says where it comes from.
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
        {"Referer": "http://testserver/secretariat/login"},
        {"Origin": "http://TESTSERVER:80"},
    ],
    ids=["fetch-metadata", "referer", "origin-default-port"],
)
def test_our_own_page_is_recognised_by_what_the_browser_says(client, headers):
    page = client.post(LOGIN, data={**TYPED, "csrf_token": "stale"}, headers=headers)
    assert "<h1>Please send again</h1>" in page.text
    assert 'name="email" value="typed-by-someone@example.org"' in page.text


def test_same_origin_compares_scheme_host_and_port() -> None:
    ours = ["http://testserver/", "https://prize.example.org"]
    assert same_origin({"origin": "https://prize.example.org:443"}, ours)
    assert not same_origin({"origin": "http://prize.example.org"}, ours)  # another scheme
    assert not same_origin({"origin": "https://prize.example.org.evil.example"}, ours)
    assert not same_origin({"origin": "https://prize.example.org:8443"}, ours)
    assert not same_origin({"referer": "https://evil.example/?https://prize.example.org"}, ours)
    assert origin_of("null") is None and origin_of("javascript:alert(1)") is None


# --------------------------------------------------------------------------- in a real browser


@pytest.mark.browser
def test_in_a_browser_a_stale_page_is_offered_again_and_a_foreign_form_refused(
    live_server, desktop
):
    # Our own page, its token gone stale (the session expired): offered again, filled in.
    desktop.goto(live_server.url + LOGIN)
    desktop.fill("#email", "typed-by-someone@example.org")
    desktop.fill("#password", "s3cret-typed")
    form = desktop.locator('form[action="/secretariat/login"]')
    form.locator('input[name="csrf_token"]').evaluate("e => { e.value = 'stale' }")
    form.locator("button[type=submit]").click()
    assert desktop.get_by_role("heading", level=1).inner_text() == "Please send again"
    assert 'value="typed-by-someone@example.org"' in html(desktop)
    cookie = [c for c in desktop.context.cookies() if c["name"] == "prize_session"]
    assert cookie

    # Another site's page posting the same form: refused, and the cookie is left as it was.
    desktop.goto("about:blank")
    desktop.set_content(
        f'<form method="post" action="{live_server.url}{LOGIN}">'
        '<input name="email" value="typed-by-someone@example.org">'
        '<input name="csrf_token" value="stale"><button>Go</button></form>'
    )
    desktop.click("button")
    desktop.wait_for_url(live_server.url + LOGIN)
    assert desktop.get_by_role("heading", level=1).inner_text() == "This form was not accepted"
    assert "typed-by-someone@example.org" not in html(desktop)
    assert [c for c in desktop.context.cookies() if c["name"] == "prize_session"] == cookie
