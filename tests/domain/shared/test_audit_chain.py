"""The audit chain against someone who can write the database: it is keyed (HMAC with a key
outside the database), its head can be kept elsewhere and checked, keys rotate, entries from
before the keying still verify, and `prize audit verify` names every kind of damage without
crashing."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from prize import cli
from prize.db import Database
from prize.domain.shared import audit
from prize.models import AuditEvent, AuditHead
from prize.settings import Settings, SettingsError, load
from tests.appkit import TEST_KEYS
from tests.dbkit import TEST_AUDIT_KEYS

KEY_A = "audit-key-a-0123456789abcdef"
KEY_B = "audit-key-b-0123456789abcdef"
NOT_JSON_SQL = "UPDATE audit_event SET data = '{\"i\": ' WHERE id = 2"


def _record(db: Database, clock: Any, n: int = 1, **fields: Any) -> list[AuditEvent]:
    events = []
    for _ in range(n):
        with db.write() as session:
            events.append(
                audit.record(
                    session=session, actor=audit.SYSTEM, kind="test.event", now=clock(), **fields
                )
            )
    return events


@contextmanager
def _keyed(db: Database, **settings: Any) -> Iterator[Database]:
    """The same database, opened as an installation with these settings would open it."""
    keys = Settings(**{"secret_keys": TEST_KEYS[:1], **settings}).audit_chain_keys
    other = Database(db.url, audit_keys=keys)
    try:
        yield other
    finally:
        other.dispose()


def _prize(db: Database, monkeypatch: Any, capsys: Any, *args: str, **env: str) -> tuple[int, str]:
    """`prize audit ...` on ``db``, as the server's settings (the test keys) run it."""
    monkeypatch.setenv("PRIZE_DATABASE_URL", db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", TEST_KEYS[0])
    monkeypatch.delenv("PRIZE_AUDIT_KEY", raising=False)
    for name, value in env.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    code = cli.main(["audit", *args])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


def _raw(db: Database, *statements: str) -> None:
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _published_body(event: AuditEvent, prev_hash: str) -> bytes:
    """The hashed fields, as the published code has always written them (anyone can read it)."""
    fields = {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_kind": str(event.actor_kind),
        "actor_id": event.actor_id,
        "edition_id": event.edition_id,
        "kind": event.kind,
        "subject_kind": event.subject_kind,
        "subject_id": event.subject_id,
        "reason": event.reason,
        "data": event.data,
        "prev_hash": prev_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _rehash(db: Database, from_id: int, *, key: bytes | None = None) -> None:
    """What someone who can write the database does after changing an entry: recompute every
    hash from ``from_id`` on (a plain SHA-256, or an HMAC with a key of their own) and move the
    head along, so that each link still holds."""
    with db.write() as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        prev = audit.GENESIS
        for event in events:
            if event.id is not None and event.id >= from_id:
                body = _published_body(event, prev)
                event.prev_hash = prev
                event.hash = (
                    hashlib.sha256(body).hexdigest()
                    if key is None
                    else hmac.new(key, body, hashlib.sha256).hexdigest()
                )
                session.add(event)
            prev = event.hash
        head = session.get_one(AuditHead, 1)
        head.last_hash = prev
        session.add(head)


def _legacy(db: Database, clock: Any, n: int) -> None:
    """``n`` entries as Prize wrote them before the chain was keyed (a plain SHA-256)."""
    for _ in range(n):
        with db.write() as session:
            head = session.exec(select(AuditHead).with_for_update()).one()
            event = AuditEvent(
                id=head.last_id + 1,
                at=clock(),
                actor_kind=audit.SYSTEM.kind,
                kind="legacy.event",
                data={"old": True},
                prev_hash=head.last_hash,
                hash="",
            )
            event.hash = hashlib.sha256(_published_body(event, head.last_hash)).hexdigest()
            head.last_id, head.last_hash = event.id, event.hash
            session.add(event)
            session.add(head)


def _head_of(db: Database) -> str:
    with db.read() as session:
        head = session.get_one(AuditHead, 1)
        return f"{head.last_id} {head.last_hash}"


# --------------------------------------------------------------------------- keyed


def test_a_fresh_installation_writes_only_keyed_entries(db, clock):
    first, second = _record(db, clock, 2, reason="because")

    def hmac_of(event: AuditEvent, prev: str) -> str:
        body = _published_body(event, prev)
        return hmac.new(TEST_AUDIT_KEYS[0], body, hashlib.sha256).hexdigest()

    assert (first.hash, second.hash) == (hmac_of(first, audit.GENESIS), hmac_of(second, first.hash))
    assert first.hash != hashlib.sha256(_published_body(first, audit.GENESIS)).hexdigest()
    with db.read() as session:
        result = audit.verify(session=session)
    assert result == audit.VerifyResult(True, 2, keys=(audit.KeyUse(0, 2, 1, 2),))


def test_a_database_without_audit_keys_records_nothing(db, clock):
    keyless = Database(db.url, audit_keys=())
    try:
        with pytest.raises(audit.NoAuditKey), keyless.write() as session:
            audit.record(session=session, actor=audit.SYSTEM, kind="test.event", now=clock())
    finally:
        keyless.dispose()
    assert _head_of(db) == f"0 {audit.GENESIS}"


def test_verify_detects_the_plain_chain_recomputed_after_an_edit(db, clock, monkeypatch, capsys):
    _record(db, clock, 3, reason="because")
    _raw(db, "UPDATE audit_event SET reason = 'nothing happened' WHERE id = 2")
    _rehash(db, 2)
    assert _prize(db, monkeypatch, capsys, "verify") == (
        1,
        "FAILED at entry #2: the entry is hashed without the key although entries before it "
        "are keyed: the chain was recomputed from here by someone without the key. "
        "1 entry before it is intact.",
    )


def test_verify_detects_a_chain_recomputed_with_a_guessed_key(db, clock, monkeypatch, capsys):
    _record(db, clock, 3)
    _raw(db, "UPDATE audit_event SET subject_id = 99 WHERE id = 2")
    _rehash(db, 2, key=b"prize")
    assert _prize(db, monkeypatch, capsys, "verify") == (
        1,
        "FAILED at entry #2: the entry does not verify with any configured audit key: either it "
        "was edited after it was written, or it was written with a key that is no longer "
        "configured. 1 entry before it is intact.",
    )


# --------------------------------------------------------------------------- the head


def test_audit_head_prints_the_newest_entry_and_verify_checks_it(db, clock, monkeypatch, capsys):
    _record(db, clock, 2)
    code, kept = _prize(db, monkeypatch, capsys, "head", PRIZE_SECRET_KEYS="")  # no key needed
    assert (code, kept) == (0, _head_of(db))
    assert kept.startswith("2 ") and len(kept) == 2 + 64
    _record(db, clock)  # the log goes on
    assert _prize(db, monkeypatch, capsys, "verify", "--head", kept.replace(" ", ":")) == (
        0,
        "OK: 3 audit entries, the chain is intact.\n"
        f"Nothing up to entry #2 was dropped or changed: it matches the head given ({kept}).",
    )


def test_verify_with_a_kept_head_detects_the_newest_entries_dropped(db, clock, monkeypatch, capsys):
    _record(db, clock, 5)
    kept = _prize(db, monkeypatch, capsys, "head")[1]
    _raw(
        db,
        "DELETE FROM audit_event WHERE id > 3",
        "UPDATE audit_head SET last_id = 3, "
        "last_hash = (SELECT hash FROM audit_event WHERE id = 3)",
    )
    # Without the head kept elsewhere the shortened chain is consistent...
    assert _prize(db, monkeypatch, capsys, "verify") == (
        0,
        "OK: 3 audit entries, the chain is intact.",
    )
    # ...with it, the drop is plain.
    assert _prize(db, monkeypatch, capsys, "verify", "--head", kept) == (
        1,
        "FAILED at entry #5: entry #5, the head kept outside the database, is missing: the log "
        "ends at #3, so its newest entries were deleted. 3 entries before it are intact.",
    )


def test_verify_with_a_kept_head_detects_the_whole_chain_recomputed_without_the_key(
    db, clock, monkeypatch, capsys
):
    _record(db, clock, 3)
    kept = _prize(db, monkeypatch, capsys, "head")[1]
    _raw(db, "UPDATE audit_event SET reason = 'rewritten' WHERE id = 1")
    _rehash(db, 1)  # every entry now looks like one from before the keying
    code, output = _prize(db, monkeypatch, capsys, "verify")
    assert (code, output) == (
        0,
        "OK: 3 audit entries, the chain is intact.\n"
        "Entries #1-#3 were written before the chain was keyed (a plain SHA-256).\n"
        "No entry is keyed yet: until Prize records the next change, whoever can write the "
        "database can rewrite the whole log.",
    )
    code, output = _prize(db, monkeypatch, capsys, "verify", "--head", kept)
    assert code == 1
    assert output == (
        "FAILED at entry #3: the entry's hash differs from the head kept outside the database "
        f"({kept}): the entry, or the chain before it, was rewritten. "
        "2 entries before it are intact."
    )


def test_verify_names_a_head_moved_back_over_entries_still_there(db, clock, monkeypatch, capsys):
    _record(db, clock, 3)
    _raw(
        db,
        "UPDATE audit_head SET last_id = 2, "
        "last_hash = (SELECT hash FROM audit_event WHERE id = 2)",
    )
    assert _prize(db, monkeypatch, capsys, "verify") == (
        1,
        "FAILED at entry #3: the entry comes after the chain's head (#2): the head was moved "
        "back, or the entry was added outside Prize. 2 entries before it are intact.",
    )


def test_verify_names_a_head_moved_forwards(db, clock, monkeypatch, capsys):
    _record(db, clock, 3)
    _raw(db, "UPDATE audit_head SET last_id = 5")
    assert _prize(db, monkeypatch, capsys, "verify") == (
        1,
        "FAILED at entry #4: entries from #4 on are missing: the chain's head says the log goes "
        "to #5. 3 entries before it are intact.",
    )


def test_verify_names_a_missing_head(db, clock, monkeypatch, capsys):
    _record(db, clock, 2)
    _raw(db, "DELETE FROM audit_head")
    assert _prize(db, monkeypatch, capsys, "verify") == (
        1,
        "FAILED: the chain's head (table audit_head) is missing or damaged.",
    )
    assert _prize(db, monkeypatch, capsys, "head") == (
        1,
        "prize: the chain's head (table audit_head) is missing or damaged.",
    )


def test_verify_refuses_a_head_it_cannot_read(db, monkeypatch, capsys):
    with pytest.raises(SystemExit) as stopped:
        _prize(db, monkeypatch, capsys, "verify", "--head", "12")
    assert stopped.value.code == 2
    assert capsys.readouterr().err.endswith(
        "prize audit verify: error: argument --head: '12' is not an audit head: give the "
        "entry's number and its hash (64 hexadecimal digits) as ID:HASH, as `prize audit head` "
        "prints them.\n"
    )


# --------------------------------------------------------------------------- rotation


def test_a_rotated_audit_key_listed_second_still_verifies(db, clock, monkeypatch, capsys):
    with _keyed(db, audit_keys=(KEY_A,)) as before:
        _record(before, clock, 2)
    with _keyed(db, audit_keys=(KEY_B, KEY_A)) as after:
        _record(after, clock)
    assert _prize(db, monkeypatch, capsys, "verify", PRIZE_AUDIT_KEY=f"{KEY_B},{KEY_A}") == (
        0,
        "OK: 3 audit entries, the chain is intact.\n"
        "Entries #1-#2 were keyed with an older key, key 2 of PRIZE_AUDIT_KEY: keep it "
        "configured.",
    )


def test_a_removed_audit_key_leaves_its_entries_unverifiable(db, clock, monkeypatch, capsys):
    with _keyed(db, audit_keys=(KEY_A,)) as before:
        _record(before, clock, 2)
    with _keyed(db, audit_keys=(KEY_B, KEY_A)) as after:
        _record(after, clock)
    assert _prize(db, monkeypatch, capsys, "verify", PRIZE_AUDIT_KEY=KEY_B) == (
        1,
        "FAILED at entry #1: the entry does not verify with any configured audit key: either it "
        "was edited after it was written, or it was written with a key that is no longer "
        "configured. 0 entries before it are intact.",
    )


def test_setting_an_audit_key_keeps_entries_keyed_from_the_secret_keys(
    db, clock, monkeypatch, capsys
):
    _record(db, clock, 2)  # PRIZE_AUDIT_KEY unset: keyed from PRIZE_SECRET_KEYS
    with _keyed(db, audit_keys=(KEY_A,)) as after:
        _record(after, clock)
    assert _prize(db, monkeypatch, capsys, "verify", PRIZE_AUDIT_KEY=KEY_A) == (
        0,
        "OK: 3 audit entries, the chain is intact.\n"
        "Entries #1-#2 were keyed with an older key, the key derived from key 1 of "
        "PRIZE_SECRET_KEYS: keep it configured.",
    )


def test_rotated_secret_keys_keep_the_entries_they_keyed(db, clock, monkeypatch, capsys):
    _record(db, clock)
    new = "a-newer-secret-key-0123456789"
    with _keyed(db, secret_keys=(new, TEST_KEYS[0])) as after:
        _record(after, clock, 2)
    keys = f"{new},{TEST_KEYS[0]}"
    assert _prize(db, monkeypatch, capsys, "verify", PRIZE_SECRET_KEYS=keys) == (
        0,
        "OK: 3 audit entries, the chain is intact.\n"
        "Entry #1 was keyed with an older key, the key derived from key 2 of PRIZE_SECRET_KEYS: "
        "keep it configured.",
    )


def test_an_audit_key_shorter_than_16_characters_is_refused() -> None:
    with pytest.raises(SettingsError) as refused:
        load({"PRIZE_SECRET_KEYS": TEST_KEYS[0], "PRIZE_AUDIT_KEY": f"{KEY_A}, short"})
    assert str(refused.value) == "Each key in PRIZE_AUDIT_KEY must be at least 16 characters long."


def test_audit_commands_without_any_key_say_which_to_set(monkeypatch, capsys):
    monkeypatch.delenv("PRIZE_SECRET_KEYS", raising=False)
    monkeypatch.delenv("PRIZE_AUDIT_KEY", raising=False)
    for command in (["audit", "verify"], ["retention"]):
        assert cli.main(command) == 2
        assert capsys.readouterr().err == (
            "prize: The audit log is keyed with PRIZE_AUDIT_KEY, or with a key derived from "
            "PRIZE_SECRET_KEYS when PRIZE_AUDIT_KEY is unset, and neither is set. Set the same "
            "keys as the server's.\n"
        )


# --------------------------------------------------------------------------- before the keying


def test_entries_from_before_the_keying_verify_and_are_reported(db, clock, monkeypatch, capsys):
    _legacy(db, clock, 3)  # an installation upgraded to the keyed chain...
    _record(db, clock, 2)  # ...goes on with keyed entries
    assert _prize(db, monkeypatch, capsys, "verify") == (
        0,
        "OK: 5 audit entries, the chain is intact.\n"
        "Entries #1-#3 were written before the chain was keyed (a plain SHA-256).",
    )
    _raw(db, "UPDATE audit_event SET reason = 'changed' WHERE id = 2")
    assert _prize(db, monkeypatch, capsys, "verify")[1].startswith(
        "FAILED at entry #2: the entry does not verify with any configured audit key"
    )


def test_a_log_of_unkeyed_entries_only_says_none_is_keyed_yet(db, clock, monkeypatch, capsys):
    _legacy(db, clock, 1)
    assert _prize(db, monkeypatch, capsys, "verify") == (
        0,
        "OK: 1 audit entry, the chain is intact.\n"
        "Entry #1 was written before the chain was keyed (a plain SHA-256).\n"
        "No entry is keyed yet: until Prize records the next change, whoever can write the "
        "database can rewrite the whole log.",
    )


# --------------------------------------------------------------------------- never crashes


def test_verify_names_an_unknown_actor_kind(db, clock, monkeypatch, capsys):
    _record(db, clock, 3)
    _raw(db, "UPDATE audit_event SET actor_kind = 'wizard' WHERE id = 2")
    assert _prize(db, monkeypatch, capsys, "verify") == (
        1,
        "FAILED at entry #2: the entry was edited after it was written: its actor kind 'wizard' "
        "is not one Prize writes. 1 entry before it is intact.",
    )


def test_verify_names_data_that_is_not_json(sqlite_db, clock, monkeypatch, capsys):
    """SQLite only: PostgreSQL's json column refuses what is not JSON."""
    _record(sqlite_db, clock, 3, data={"i": 1})
    _raw(sqlite_db, NOT_JSON_SQL)
    assert _prize(sqlite_db, monkeypatch, capsys, "verify") == (
        1,
        "FAILED at entry #2: the entry was edited after it was written: its data '{\"i\": ' is "
        "not valid JSON. 1 entry before it is intact.",
    )


def test_verify_names_a_time_that_is_not_one(sqlite_db, clock, monkeypatch, capsys):
    """SQLite only: PostgreSQL's timestamp column refuses what is not a time."""
    _record(sqlite_db, clock, 2)
    _raw(sqlite_db, "UPDATE audit_event SET at = 'yesterday' WHERE id = 1")
    assert _prize(sqlite_db, monkeypatch, capsys, "verify") == (
        1,
        "FAILED at entry #1: the entry was edited after it was written: its time 'yesterday' is "
        "not a time. 0 entries before it are intact.",
    )


def test_verify_names_text_that_is_not_utf8(sqlite_db, clock, monkeypatch, capsys):
    """SQLite only: PostgreSQL refuses bytes that are not UTF-8."""
    _record(sqlite_db, clock, 3)
    _raw(sqlite_db, "UPDATE audit_event SET reason = CAST(X'FF' AS TEXT) WHERE id = 2")
    code, output = _prize(sqlite_db, monkeypatch, capsys, "verify")
    assert code == 1
    assert output.startswith("FAILED at entry #2: the entry after #1 cannot be read")
    assert output.endswith("1 entry before it is intact.")
