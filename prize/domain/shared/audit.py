"""The audit log: an append-only, keyed hash chain of every change of state.

Each entry holds the hash of the one before, and its own hash is an HMAC-SHA256 of its fields
and that link, keyed with the newest of the ``Database``'s audit keys (``PRIZE_AUDIT_KEY``, or
keys derived from ``PRIZE_SECRET_KEYS``; ``prize.db.audit_keys``). Whoever can write the database
but does not hold a key cannot recompute the chain after changing an entry. Entries written
before the chain was keyed (a plain SHA-256) still verify, as long as they all come before the
first keyed one, and ``verify`` says which they are.

Dropping the newest entries and moving the head back leaves a consistent chain: only a head kept
outside the database (``head``, printed by ``prize audit head``, in every backup's manifest and
on the secretariat's publication page) proves it, with ``verify(anchor=...)``.

Appends lock the chain's head row (``FOR UPDATE`` on PostgreSQL; SQLite's writing transactions
are already serialised) so the chain never forks. People are referred to by id only, so erasing
personal data leaves the chain valid.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from prize.db import audit_keys
from prize.domain.shared.paging import Page
from prize.models import ActorKind, AuditEvent, AuditHead

GENESIS = "0" * 64
ACTOR_KINDS = frozenset(kind.value for kind in ActorKind)
_HEAD_TEXT = re.compile(r"\s*(\d{1,18})\s*[:\s]\s*([0-9a-fA-F]{64})\s*")


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None


SYSTEM = Actor(ActorKind.system)


class NoAuditKey(RuntimeError):
    """A session without audit keys tried to append to the chain (a programming error)."""


@dataclass(frozen=True)
class Head:
    """An entry's id and hash: the chain's head, to be kept outside the database."""

    id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.id} {self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """``ID:HASH`` or ``ID HASH`` (as ``prize audit head`` prints it); ValueError if not."""
        match = _HEAD_TEXT.fullmatch(text)
        if match is None:
            raise ValueError(
                f"{text!r} is not an audit head: give the entry's number and its hash (64 "
                "hexadecimal digits) as ID:HASH, as `prize audit head` prints them."
            )
        return cls(int(match[1]), match[2].lower())


def _body(
    *,
    id: int,
    at: datetime,
    actor_kind: str,
    actor_id: int | None,
    edition_id: int | None,
    kind: str,
    subject_kind: str,
    subject_id: int | None,
    reason: str,
    data: Any,
    prev_hash: str,
) -> bytes:
    """What an entry's hash covers, canonically (the same bytes before and after keying)."""
    fields = {
        "id": id,
        "at": at.astimezone(UTC).isoformat(),
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "edition_id": edition_id,
        "kind": kind,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "reason": reason,
        "data": data,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return canonical.encode()


def _keyed(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _plain(body: bytes) -> str:
    """The hash of entries written before the chain was keyed (verified, never written)."""
    return hashlib.sha256(body).hexdigest()


def _locked_head(session: Session) -> AuditHead:
    """The head row, locked for the rest of the transaction and read afresh even if this session
    loaded it before (``populate_existing``): a stale copy would fork the chain."""
    return session.exec(
        select(AuditHead)
        .where(AuditHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def record(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    now: datetime,
    edition_id: int | None = None,
    subject_kind: str = "",
    subject_id: int | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction, keyed with the newest key
    of the session's ``Database``."""
    keys = audit_keys(session)
    if not keys:
        raise NoAuditKey("This session has no audit key: open it from a Database with audit_keys.")
    if now.tzinfo is None:
        raise ValueError("naive datetime recorded; use an aware UTC datetime")
    head = _locked_head(session)
    event = AuditEvent(
        id=head.last_id + 1,
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        edition_id=edition_id,
        kind=kind,
        subject_kind=subject_kind,
        subject_id=subject_id,
        reason=reason,
        data=data or {},
        prev_hash=head.last_hash,
        hash="",
    )
    body = _body(
        id=head.last_id + 1,
        at=now,
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        edition_id=edition_id,
        kind=kind,
        subject_kind=subject_kind,
        subject_id=subject_id,
        reason=reason,
        data=event.data,
        prev_hash=head.last_hash,
    )
    event.hash = _keyed(keys[0], body)
    head.last_id = event.id  # type: ignore[assignment]
    head.last_hash = event.hash
    session.add(event)
    session.add(head)
    session.flush()
    return event


def head(*, session: Session) -> Head | None:
    """The chain's head as the database holds it (None if its row is missing or damaged)."""
    row = (
        session.connection()
        .execute(sa.text("SELECT last_id, last_hash FROM audit_head WHERE id = 1"))
        .first()
    )
    if row is None or not isinstance(row[0], int) or not isinstance(row[1], str):
        return None
    return Head(row[0], row[1])


# --------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class KeyUse:
    """The entries that verify with one of the configured keys (``index``: 0 is the newest)."""

    index: int
    count: int
    first_id: int
    last_id: int


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""
    unkeyed: int = 0  # entries 1 to ``unkeyed`` were written before the chain was keyed
    keys: tuple[KeyUse, ...] = ()  # which configured key verified which entries
    anchor: Head | None = None  # the head kept outside the database, checked


class _Damaged(Exception):
    """A stored value Prize never writes; the message says which."""


# Read raw, never through the ORM's types: a value Prize never writes (an unknown actor kind,
# data that is not JSON, a time that is not one) must be named, not crash the walk.
_RAW = sa.types.NullType()
_COLUMNS = (
    *("at", "actor_kind", "actor_id", "edition_id", "kind", "subject_kind", "subject_id"),
    *("reason", "prev_hash", "hash"),
)
_RAW_COLUMNS: list[sa.ColumnElement[Any]] = [
    col(AuditEvent.id).label("id"),
    *(sa.type_coerce(getattr(AuditEvent, name), _RAW).label(name) for name in _COLUMNS),
    sa.type_coerce(sa.cast(col(AuditEvent.data), sa.Text), _RAW).label("data"),
]
_ROWS = sa.select(*_RAW_COLUMNS).order_by(col(AuditEvent.id))


def _shown(value: object) -> str:
    """A stored value as a person reads it in a report, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _moment(value: object) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise _Damaged(f"its time {_shown(value)} is not a time") from None
    if not isinstance(value, datetime):
        raise _Damaged(f"its time {_shown(value)} is not a time")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _number(name: str, value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _Damaged(f"its {name} {_shown(value)} is not a number")


def _text(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    raise _Damaged(f"its {name} {_shown(value)} is not text")


def _body_of(row: sa.RowMapping) -> bytes:
    """The bytes an entry's hash covers, from its raw row; ``_Damaged`` if Prize never wrote it."""
    if row["actor_kind"] not in ACTOR_KINDS:
        raise _Damaged(f"its actor kind {_shown(row['actor_kind'])} is not one Prize writes")
    try:
        data = json.loads(row["data"])
    except (TypeError, ValueError):
        raise _Damaged(f"its data {_shown(row['data'])} is not valid JSON") from None
    try:
        return _body(
            id=row["id"],
            at=_moment(row["at"]),
            actor_kind=row["actor_kind"],
            actor_id=_number("actor id", row["actor_id"]),
            edition_id=_number("edition id", row["edition_id"]),
            kind=_text("kind", row["kind"]),
            subject_kind=_text("subject kind", row["subject_kind"]),
            subject_id=_number("subject id", row["subject_id"]),
            reason=_text("reason", row["reason"]),
            data=data,
            prev_hash=_text("link to the previous entry", row["prev_hash"]),
        )
    except UnicodeEncodeError:
        raise _Damaged("it holds text that is not valid Unicode") from None


MISSING = "entry #{id} is missing (deleted)"
EDITED = "the entry was edited after it was written: {detail}"
BROKEN_LINK = (
    "the link to the previous entry is broken (an entry was inserted, replaced or deleted)"
)
NO_KEY = (
    "the entry does not verify with any configured audit key: either it was edited after it "
    "was written, or it was written with a key that is no longer configured"
)
UNKEYED_AFTER_KEYED = (
    "the entry is hashed without the key although entries before it are keyed: the chain was "
    "recomputed from here by someone without the key"
)
AFTER_HEAD = (
    "the entry comes after the chain's head (#{last}): the head was moved back, or the entry "
    "was added outside Prize"
)
HEAD_AHEAD = "entries from #{id} on are missing: the chain's head says the log goes to #{last}"
HEAD_HASH = "the newest entry does not match the chain's head (table audit_head)"
UNREADABLE = "the entry after #{after} cannot be read from the database ({error})"
NO_HEAD = "the chain's head (table audit_head) is missing or damaged"
ANCHOR_MISSING = (
    "entry #{id}, the head kept outside the database, is missing: the log ends at #{last}, "
    "so its newest entries were deleted"
)
ANCHOR_DIFFERS = (
    "the entry's hash differs from the head kept outside the database ({given}): the entry, "
    "or the chain before it, was rewritten"
)


def verify(*, session: Session, anchor: Head | None = None) -> VerifyResult:
    """Walk the chain; name the first entry that was edited, inserted or deleted, that does not
    verify with any of the session's keys, or that contradicts the head (the database's, and
    ``anchor``, a head kept outside it). Never raises on what the tables hold."""
    keys = audit_keys(session)
    stored = head(session=session)
    checked = 0
    unkeyed = 0
    uses: dict[int, list[int]] = {}  # key index -> [count, first id, last id]

    def failed(first_bad_id: int | None, problem: str) -> VerifyResult:
        return VerifyResult(
            False,
            checked,
            first_bad_id,
            problem,
            unkeyed=unkeyed,
            keys=_key_uses(uses),
            anchor=anchor,
        )

    if stored is None:
        return failed(None, NO_HEAD)
    prev = GENESIS
    try:
        rows = session.connection().execute(_ROWS).mappings()
    except sa.exc.DBAPIError as error:  # SQLite: text that is not UTF-8, in the first row
        return failed(1, UNREADABLE.format(after=0, error=error.orig))
    while True:
        try:
            row = rows.fetchone()
        except sa.exc.DBAPIError as error:  # SQLite: text that is not UTF-8
            return failed(checked + 1, UNREADABLE.format(after=checked, error=error.orig))
        if row is None:
            break
        id_: int = row["id"]
        if id_ > stored.id:
            return failed(id_, AFTER_HEAD.format(last=stored.id))
        if id_ != checked + 1:
            return failed(checked + 1, MISSING.format(id=checked + 1))
        try:
            body = _body_of(row)
            stored_hash = _text("hash", row["hash"])
        except _Damaged as damage:
            return failed(id_, EDITED.format(detail=damage))
        if row["prev_hash"] != prev:
            return failed(id_, BROKEN_LINK)
        # Plain comparisons: the walk runs offline, where no one can time it.
        index = next((i for i, key in enumerate(keys) if _keyed(key, body) == stored_hash), None)
        if index is not None:
            use = uses.setdefault(index, [0, id_, id_])
            use[0] += 1
            use[2] = id_
        elif _plain(body) != stored_hash:
            return failed(id_, NO_KEY)
        elif uses:
            return failed(id_, UNKEYED_AFTER_KEYED)
        else:
            unkeyed += 1
        if anchor is not None and id_ == anchor.id and stored_hash != anchor.hash:
            return failed(id_, ANCHOR_DIFFERS.format(given=anchor))
        prev = stored_hash
        checked += 1
    end = _end_problem(stored=stored, anchor=anchor, checked=checked, last_hash=prev)
    if end is not None:
        return failed(*end)
    return VerifyResult(True, checked, unkeyed=unkeyed, keys=_key_uses(uses), anchor=anchor)


def _end_problem(
    *, stored: Head, anchor: Head | None, checked: int, last_hash: str
) -> tuple[int, str] | None:
    """Where the walk's end (``checked`` entries, the last with ``last_hash``) contradicts the
    database's head or ``anchor``, and why; None when it agrees with both."""
    if stored.id != checked:
        return checked + 1, HEAD_AHEAD.format(id=checked + 1, last=stored.id)
    if stored.hash != last_hash:
        return stored.id, HEAD_HASH
    if anchor is not None and anchor.id > checked:
        return anchor.id, ANCHOR_MISSING.format(id=anchor.id, last=checked)
    if anchor is not None and anchor.id == 0 and anchor.hash != GENESIS:
        return 0, ANCHOR_DIFFERS.format(given=anchor)
    return None


def _key_uses(uses: dict[int, list[int]]) -> tuple[KeyUse, ...]:
    return tuple(KeyUse(i, *uses[i]) for i in sorted(uses))


# --------------------------------------------------------------------------- reading


def search(
    *,
    session: Session,
    edition_id: int | None = None,
    actor_kind: ActorKind | None = None,
    actor_id: int | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[AuditEvent]:
    """Events newest first, filtered by edition, actor (kind, and id) and kind, one page."""
    conditions: list[Any] = []
    if edition_id is not None:
        conditions.append(AuditEvent.edition_id == edition_id)
    if actor_kind is not None:
        conditions.append(AuditEvent.actor_kind == actor_kind)
    if actor_id is not None:
        conditions.append(AuditEvent.actor_id == actor_id)
    if kind:
        conditions.append(AuditEvent.kind == kind)
    total = int(session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one())
    page = max(1, page)
    events = list(
        session.exec(
            select(AuditEvent)
            .where(*conditions)
            .order_by(col(AuditEvent.id).desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return Page(rows=events, total=total, page=page, per_page=per_page)


def kinds(*, session: Session) -> list[str]:
    """Every kind of event recorded so far, for the log's filter."""
    return list(session.exec(select(AuditEvent.kind).distinct().order_by(col(AuditEvent.kind))))
