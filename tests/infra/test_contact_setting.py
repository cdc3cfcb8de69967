"""PRIZE_CONTACT_EMAIL: required by the processes that send e-mail, outside the demo."""

from __future__ import annotations

import pytest

from prize import cli
from prize.settings import DEMO_CONTACT_EMAIL, SettingsError, load
from tests.appkit import TEST_KEYS

KEYS = {"PRIZE_SECRET_KEYS": TEST_KEYS[0]}


def test_sending_without_a_contact_address_is_refused_with_how_to_fix_it() -> None:
    with pytest.raises(SettingsError) as error:
        load(KEYS, need_contact=True)
    assert str(error.value) == (
        "PRIZE_CONTACT_EMAIL is not set. Set it to the secretariat's address, where people "
        "write with a question: every e-mail ends with it."
    )


def test_the_demo_has_its_own_contact_address() -> None:
    assert load({}, demo=True, need_contact=True).contact_email == DEMO_CONTACT_EMAIL


@pytest.mark.parametrize("value", ["secretariat", "a@example.org,b@example.org", "x <a@b.org>"])
def test_a_contact_that_is_not_one_address_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="PRIZE_CONTACT_EMAIL must be one e-mail address"):
        load({**KEYS, "PRIZE_CONTACT_EMAIL": value})


def test_prize_serve_stops_at_once_without_a_contact_address(monkeypatch, capsys) -> None:
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    monkeypatch.delenv("PRIZE_CONTACT_EMAIL", raising=False)
    assert cli.main(["serve"]) == 2
    assert "PRIZE_CONTACT_EMAIL is not set" in capsys.readouterr().err
