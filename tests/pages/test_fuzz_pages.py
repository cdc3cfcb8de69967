"""Hypothesis-generated addresses for every page of the app: path parameters out of range (ids
past any integer column, zeros, leading zeros, odd references) and query strings with odd values
(digits that are not ASCII, huge numbers, NUL, right-to-left marks, addresses elsewhere). Each is
asked by the page's rightful user. Never a 500; every answer carries a page a person can read.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prize.app import create_app
from prize.settings import Settings
from tests import securityworld
from tests.appkit import TEST_KEYS
from tests.securitykit import RouteInfo, all_routes

PAGES = [
    r
    for r in all_routes(create_app(Settings(secret_keys=TEST_KEYS, database_url="sqlite://")))
    if "GET" in r.methods
]
# The same examples every run (no flaky failures); for a deeper, random run outside CI:
# PRIZE_FUZZ_RANDOM=1 PRIZE_FUZZ_EXAMPLES=500 pytest tests/pages/test_fuzz_pages.py
RANDOM = os.environ.get("PRIZE_FUZZ_RANDOM")
EXAMPLES = int(os.environ.get("PRIZE_FUZZ_EXAMPLES", "12"))
ODD = [
    "",
    "0",
    "-1",
    "00001",
    "2²",
    "١٢",
    "99999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "1e9",
    "\x00",
    "\u202e1",
    "🙂",
    "a" * 3000,
    "//evil.example.org",
    "https://evil.example.org/",
    "/\\evil.example.org",
    "staff:99999999999999999999",
    "juror:²",
    "system",
    "queued",
    "-reference",
]
QUERY_NAMES = ["page", "edition", "actor", "kind", "status", "q", "sort", "country", "next",
               "year", "lang", "round"]  # fmt: skip
VALUE = st.one_of(st.sampled_from(ODD), st.text(max_size=40), st.integers().map(str))


def role_for(route: RouteInfo) -> str:
    if route.path.startswith("/secretariat"):
        return "secretariat"
    if route.path.startswith("/ballot"):
        return "juror"
    if route.path.startswith("/apply/{"):
        return "applicant"
    return "anonymous"


def addresses(world: securityworld.World, route: RouteInfo) -> st.SearchStrategy[str]:
    real = (
        {k: str(v) for k, v in world.params(route).items()} if "token" not in route.params else {}
    )
    parts = {
        name: st.one_of(
            st.sampled_from([real.get(name, "1"), *ODD[:10]]),
            st.integers(min_value=0, max_value=10**30).map(str),
            st.text(max_size=30),
        )
        for name in route.params
    }
    query = st.lists(st.tuples(st.sampled_from(QUERY_NAMES), VALUE), max_size=5)

    def build(values: dict[str, str], pairs: list[tuple[str, str]]) -> str:
        path = route.path
        for name, value in values.items():
            part = quote(value, safe="") or "x"
            path = re.sub(r"\{" + name + r"(?::\w+)?\}", lambda _, part=part: part, path)
        return path + ("?" + urlencode(pairs) if pairs else "")

    return st.builds(build, st.fixed_dictionaries(parts), query)


@pytest.mark.parametrize("route", PAGES, ids=str)
def test_odd_addresses_never_fail(route, tmp_path_factory, sqlite_template):
    world = securityworld.template(tmp_path_factory, sqlite_template)
    client = world.client(role_for(route))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=RANDOM is None,
        suppress_health_check=list(HealthCheck),
    )
    @given(address=addresses(world, route))
    def get(address: str) -> None:
        response = client.get(address)
        assert response.status_code < 500, (address, response.text[:300])
        if response.status_code >= 300 and response.status_code < 400:
            location = response.headers["location"]
            assert location.startswith("/") and not location.startswith(("//", "/\\")), location

    get()


@pytest.mark.parametrize(
    ("role", "method", "address", "status", "shown"),
    [
        ("secretariat", "GET", "/secretariat/applications/99999999999999999999", 404, "Page not found"),
        ("secretariat", "GET", "/secretariat/editions/99999999999999999999", 404, "Page not found"),
        ("anonymous", "GET", "/editions/99999999999999999999/results", 404, "Page not found"),
        ("secretariat", "GET", "/secretariat/audit?edition=²&page=99999999999999999999", 200, "Audit log"),
        ("secretariat", "GET", "/secretariat/audit?actor=staff:99999999999999999999", 200, "Audit log"),
        ("secretariat", "GET", "/secretariat/outbox?page=²", 200, "Outbox"),
        ("secretariat", "GET", "/secretariat/outbox?page=99999999999999999999", 200, "Outbox"),
        ("secretariat", "POST", "/secretariat/jurors/{juror}/reopen?ballot=\x00", 200, "There is no such ballot."),
        ("secretariat", "POST", "/secretariat/jurors/{juror}/conflicts?application=²", 200, "Choose a project."),
        ("secretariat", "POST", "/secretariat/editions/2026/decisions/shortlist?app=²", 200,
         "Give a reason for each application you moved away from the proposal."),
        ("secretariat", "POST", "/secretariat/archive?year=²", 200, "Give a past year, from 2004."),
    ],
)  # fmt: skip
def test_numbers_that_are_not_what_they_seem_get_a_clear_answer(
    tmp_path_factory, sqlite_template, tmp_path, role, method, address, status, shown
):
    """Found by the fuzzing above: digits that are not ASCII ("²" passes ``str.isdigit`` but
    not ``int``) and ids no integer column holds (SQLite cannot bind them) were 500s."""
    world = securityworld.template(tmp_path_factory, sqlite_template).copy(tmp_path)
    client = world.client(role)
    path, _, query = address.format(juror=world.ids["juror"]).partition("?")
    if method == "GET":
        response = client.get(address)
    else:
        name, _, value = query.partition("=")
        response = client.post(path, data={name: value, "csrf_token": world.csrf(client)})
        assert response.status_code == 303, response.text[:300]  # to the page that says why
        response = client.get(response.headers["location"])
    assert response.status_code == status, response.text[:300]
    assert shown in response.text
    assert "Something went wrong" not in response.text
