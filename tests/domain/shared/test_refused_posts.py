"""Refused form posts kept for the page the browser is sent back to: found only by their key,
owner and form, never after their hour, and swept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from prize.db import Database
from prize.domain.privacy import retention
from prize.domain.shared import refused_posts
from prize.models import RefusedPost
from prize.storage import FolderStore

NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)
TYPED = {"values": {"title": "Caf\u00e9 \x00 \ud800 \U0001f642", "countries": ["FR", "BE"]}}


def _count(database: Database) -> int:
    with database.read() as session:
        return int(session.exec(select(func.count()).select_from(RefusedPost)).one())


def test_a_stash_is_found_by_its_key_owner_and_form_only_within_its_hour(db: Database):
    with db.write() as session:
        key = refused_posts.keep(session=session, owner="a", form="f", content=TYPED, now=NOW)
    with db.read() as session:

        def find(key: str = key, owner: str = "a", form: str = "f", now: datetime = NOW):
            return refused_posts.find(session=session, key=key, owner=owner, form=form, now=now)

        assert find() == TYPED  # odd characters (a NUL, a lone surrogate) come back as typed
        assert find(owner="b") is None
        assert find(form="g") is None
        assert find(key=key[:-1] + ("A" if key[-1] != "A" else "B")) is None
        assert find(now=NOW + timedelta(minutes=59)) == TYPED
        assert find(now=NOW + refused_posts.KEPT_FOR) is None


def test_expired_stashes_are_swept(db: Database):
    with db.write() as session:
        refused_posts.keep(session=session, owner="a", form="f", content=TYPED, now=NOW)
        refused_posts.keep(session=session, owner="a", form="g", content=TYPED, now=NOW)
    with db.write() as session:
        later = NOW + timedelta(minutes=30)
        refused_posts.keep(session=session, owner="b", form="f", content=TYPED, now=later)
    assert _count(db) == 3
    with db.write() as session:
        assert refused_posts.sweep(session=session, now=NOW + timedelta(hours=1)) == 2
    assert _count(db) == 1


def test_an_owner_keeps_a_bounded_number_of_stashes(db: Database):
    with db.write() as session:
        for i in range(refused_posts.MAX_PER_OWNER + 5):
            refused_posts.keep(session=session, owner="a", form=f"f{i}", content={}, now=NOW)
    assert _count(db) == refused_posts.MAX_PER_OWNER


def test_the_retention_rule_sweeps_expired_stashes(db: Database, tmp_path):
    with db.write() as session:
        refused_posts.keep(session=session, owner="a", form="f", content=TYPED, now=NOW)
        refused_posts.keep(session=session, owner="b", form="f", content=TYPED, now=NOW)
    with db.write() as session:
        retention.apply(session=session, now=NOW + timedelta(hours=2), store=FolderStore(tmp_path))
    assert _count(db) == 0
