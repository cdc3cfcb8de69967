"""A script payload typed into every text field of every form comes back escaped, on the answer
to the form and on every page that shows it afterwards, for every kind of user.

The forms are not listed by hand: every page of the app is crawled as each kind of user, every
form found that posts to the app is filled in (the payload, tagged with the route and the field,
in every field where a person types), and sent twice: once with the payload in every field (most
answers are refusals, which show what was typed again), once with valid values in typed fields
(an address, a date, a number), so that the payload is stored. Then every page is crawled again.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import securityworld
from tests.securitykit import (
    Field,
    crawl,
    escaped_tags,
    fill,
    form_data,
    forms_by_route,
    is_html,
    payload,
    raw_payloads,
    state_changing_routes,
    with_payload,
)
from tests.securityworld import World

# Who posts first: the people whose sessions a back-office action could end come before it.
ORDER = (
    "anonymous",
    "applicant",
    "submitted_applicant",
    "new_juror",
    "juror",
    "other_juror",
    "reset",
    "secretariat",  # (an adviser sees no form a secretariat member does not)
)
# Routes no page has a form for; each is posted to below by other means.
FORMLESS = {
    "ballot_autosave": "the ballot's script posts to it, field by field",
    "apply_autosave": "the form's script posts apply_form's fields to it, parsed and stored alike",
    "apply_discard": "its form shows only while a revision is under way (tests/views/apply)",
    "staff_personal_data_export": "its form comes with the answer to a lookup",
    "staff_personal_data_erase": "its form comes with the answer to a lookup",
}
# Payloads that must be stored and shown escaped on some page (route, field).
SHOWN = {
    ("apply_start", "title"),
    ("apply_form", "title"),
    ("apply_form", "organisation"),
    ("apply_form", "summary"),
    ("apply_form", "applicant_name"),
    ("apply_withdraw", "reason"),
    ("ballot_welcome", "first_name"),
    ("ballot_application", "comment"),
    ("ballot_autosave", "comment"),
    ("staff_edition_new", "title_en"),
    ("staff_criterion_new", "name_en"),
    ("staff_criterion", "description_en"),
    ("staff_application_screen", "ineligible-note"),
    ("staff_application_screen", "returned-info_message"),
    ("staff_application_translation", "title"),
    ("staff_juror_add", "last_name"),
    ("staff_juror_conflict", "reason"),
    ("staff_decisions_final", "mention_reason"),
    ("staff_results_note", "text"),
    ("staff_invite", "name"),
    ("staff_archive_entry", "title"),
}


class Evidence:
    def __init__(self) -> None:
        self.raw: list[tuple[str, str]] = []
        self.shown: set[str] = set()
        self.typed = 0
        self.pages = 0

    def check(self, where: str, response: Any) -> None:
        if is_html(response):
            self.pages += 1
            self.raw += [(where, excerpt) for excerpt in raw_payloads(response.text)]
            self.shown |= escaped_tags(response.text)


def post(world: World, role: str, path: str, pairs: list[tuple[str, str]], seen: Evidence) -> Any:
    client = world.client(role)
    response = client.post(path, data=form_data(pairs))
    seen.check(f"{role} POST {path}", response)
    if response.status_code in (302, 303) and response.headers["location"].startswith("/"):
        seen.check(f"{role} GET after POST {path}", client.get(response.headers["location"]))
    return response


@pytest.fixture
def world(tmp_path_factory, sqlite_template, tmp_path) -> World:
    # In demo mode the outbox shows the e-mails' bodies, so they are checked too.
    return securityworld.template(tmp_path_factory, sqlite_template).copy(tmp_path, demo=True)


def test_a_script_payload_in_every_text_field_comes_back_escaped_everywhere(world):
    seen = Evidence()
    found: dict[str, str] = {}
    for role in ORDER:
        forms = forms_by_route(world, crawl(world, role))
        for name, form in [(n, f) for n in sorted(forms) for f in forms[n]]:
            found.setdefault(name, role)
            if not form.text_fields():
                continue

            def tag(f: Field, name: str = name) -> str:
                return f"{name}.{f.name}"

            everywhere = fill(form, lambda f, tag=tag: payload(tag(f)))
            seen.typed += len(form.text_fields())
            post(world, role, form.action, everywhere, seen)
            seen.typed += len(form.text_fields())
            post(world, role, form.action, fill(form, with_payload(tag)), seen)
        if role == "juror":
            _autosave(world, seen)
    _personal_data(world, seen)

    for role in (r for r in ORDER if r != "reset"):  # (it sees what anonymous sees)
        for path, response in crawl(world, role).items():
            seen.check(f"{role} GET {path}", response)

    missing_forms = [
        r.name for r in state_changing_routes(world.app) if r.name not in found | FORMLESS
    ]
    assert missing_forms == [], "no page offers a form for these routes: the world lacks a state"
    assert seen.raw == []
    shown = {tuple(t.split(".", 1)) for t in seen.shown}
    assert sorted(SHOWN - shown) == []
    print(f"\nXSS: {seen.typed} payloads typed, {seen.pages} pages checked, {len(shown)} shown")


def _autosave(world: World, seen: Evidence) -> None:
    """What the ballot's script posts (a comment, as the juror types it)."""
    juror = world.client("juror")
    reference = world.ids["ballot_reference"]
    answer = juror.post(
        f"/ballot/applications/{reference}/save",
        data={"comment": payload("ballot_autosave.comment"), "csrf_token": world.csrf(juror)},
    )
    assert answer.json()["saved"] is True
    seen.check("juror GET ballot", juror.get(f"/ballot/applications/{reference}"))


def _personal_data(world: World, seen: Evidence) -> None:
    """A personal-data lookup, and the forms its answer carries."""
    staff = world.client("secretariat")
    token = world.csrf(staff)
    lookup = post(
        world,
        "secretariat",
        "/secretariat/personal-data",
        [("email", payload("staff_personal_data.email")), ("csrf_token", token)],
        seen,
    )
    assert lookup.status_code == 303  # its page (a GET, the address kept out of it) is checked
    for action in ("export", "erase"):
        post(
            world,
            "secretariat",
            f"/secretariat/personal-data/{action}",
            [("email", payload(f"staff_personal_data_{action}.email")), ("csrf_token", token)],
            seen,
        )
