"""A rolling key rotation across two app instances on one database (both engines): sessions,
the CSRF tokens they hold and signed links made on one instance are accepted by the other at
every step, so rotating a key signs nobody out and refuses no link."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from prize.app import create_app
from prize.db import Database
from prize.settings import Settings, load
from tests.appkit import Clock, csrf_of
from tests.applykit import link_maker, make_call, start_application
from tests.staffkit import login, make_staff

OLD = "rotation-old-key-0123456789abcdef"
NEW = "rotation-new-key-0123456789abcdef"


def _machine(db: Database, folder: Path, keys: tuple[str, ...], verify_only=()) -> Starlette:
    settings = Settings(
        database_url="sqlite://",
        secret_keys=keys,
        secret_keys_verify_only=tuple(verify_only),
        base_url="http://testserver",
        storage_dir=folder,
        argon2_fast=True,
    )
    return create_app(settings, clock=Clock(), database=db)


def _signed_in(client: TestClient) -> bool:
    return client.get("/secretariat").status_code == 200


def _carry(cookies_from: TestClient, to: TestClient) -> None:
    """The balancer sends the same browser to the other machine."""
    to.cookies.clear()
    for cookie in cookies_from.cookies.jar:
        to.cookies.jar.set_cookie(cookie)


# Each step of the README's two-step rotation: machine A updated first, B still on the step before.
STEPS = {
    "step 1 (new key accepted, not yet signing)": ((OLD,), (NEW,), (OLD,), ()),
    "step 2 (new key signing on A, accepted on B)": ((NEW, OLD), (), (OLD,), (NEW,)),
    "done (both sign with the new key)": ((NEW, OLD), (), (NEW, OLD), ()),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_rolling_rotation_signs_nobody_out_and_refuses_no_form(db, tmp_path, step):
    a_keys, a_verify, b_keys, b_verify = STEPS[step]
    clock = Clock()
    make_staff(db, clock())
    a = _machine(db, tmp_path / "a", a_keys, a_verify)
    b = _machine(db, tmp_path / "b", b_keys, b_verify)
    with (
        TestClient(a, follow_redirects=False) as on_a,
        TestClient(b, follow_redirects=False) as on_b,
    ):
        login(on_a)
        token = csrf_of(on_a, "/secretariat")
        _carry(on_a, on_b)
        assert _signed_in(on_b)
        signed_out = on_b.post("/secretariat/logout", data={"csrf_token": token})
        assert signed_out.status_code == 303  # the form fetched on A is accepted on B
        assert not _signed_in(on_b)

        login(on_b)
        _carry(on_b, on_a)
        assert _signed_in(on_a)


@pytest.mark.parametrize("step", list(STEPS))
def test_a_link_signed_on_one_machine_opens_on_the_other(db, tmp_path, step):
    a_keys, _, b_keys, b_verify = STEPS[step]
    clock = Clock()
    make_call(db, clock())
    application = start_application(db, clock())
    b = _machine(db, tmp_path / "b", b_keys, b_verify)
    token = link_maker(keys=a_keys).token(application)
    with TestClient(b, follow_redirects=False) as on_b:
        opened = on_b.get(f"/apply/link/{token}")
    assert opened.headers["location"] == f"/apply/{application.id}/tasks"


def test_without_the_verify_only_step_the_other_machine_signs_people_out(db, tmp_path):
    clock = Clock()
    make_staff(db, clock())
    a = _machine(db, tmp_path / "a", (NEW, OLD))
    b = _machine(db, tmp_path / "b", (OLD,))
    with (
        TestClient(a, follow_redirects=False) as on_a,
        TestClient(b, follow_redirects=False) as on_b,
    ):
        login(on_a)
        _carry(on_a, on_b)
        assert not _signed_in(on_b)


def test_verify_only_keys_are_read_and_checked():
    loaded = load(
        {"PRIZE_SECRET_KEYS": OLD, "PRIZE_SECRET_KEYS_VERIFY_ONLY": NEW}, need_secret=False
    )
    assert loaded.verifying_keys == (OLD, NEW)
    assert loaded.secret_keys == (OLD,)
