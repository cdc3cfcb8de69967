"""Signed links: the only module that imports itsdangerous.

A token holds a subject's id, the link version stored on the subject's row and the random secret
stored on that row (``models.new_secret``). Both are compared on every use (``Signer.check``), so a link
opens only the very row it was made for: no id arithmetic and no reused id can ever open another.
Validity is decided by the caller from the subject's state (see the domain); here we check the
signature, the salt (one per purpose) and the maximum age, and turn itsdangerous's errors into our
own. A ``Signer`` runs on the app's clock: it dates the links it makes and judges their age by it
(itsdangerous would read ``time.time()``), so a test that moves the clock ages links too.

Links made before rows had secrets carry ``[id, version]`` only; they read as an empty secret,
which only a row from that time has (and keeps: revoking bumps the version, and ids are never
reused, so such a link can only ever open its own row).
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

MAX_AGE_SECONDS = 366 * 24 * 3600  # a year caps every link

Clock = Callable[[], datetime]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class Purpose(enum.StrEnum):
    application = "application"
    ballot = "ballot"
    password_reset = "password-reset"  # noqa: S105  (a salt name, not a secret)  # nosec B105: a salt's name, not a secret


class LinkError(Exception):
    """A link that cannot be used; subclasses say why."""

    reason = "invalid"


class LinkInvalid(LinkError):
    """Tampered, truncated, signed with a key no longer listed, or made for another purpose."""


class LinkExpired(LinkError):
    reason = "expired"


class LinkRevoked(LinkError):
    reason = "revoked"


@dataclass(frozen=True)
class LinkClaim:
    subject_id: int
    version: int
    secret: str
    issued_at: datetime


class _ClockedSigner(TimestampSigner):
    """itsdangerous's timed signer, dating and ageing by ``clock`` (whole seconds, as it does)."""

    def __init__(self, *args: Any, clock: Clock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock().timestamp())


def session_signer(keys: Sequence[str], clock: Clock | None = None) -> TimestampSigner:
    """The session cookie's signer, as Starlette's ``SessionMiddleware`` makes it from one key,
    but signing with the first of ``keys`` (newest first) and verifying against all of them, so
    that machines part-way through a key rotation accept each other's cookies; dating and ageing
    cookies by ``clock`` (the host's time set to the database's), else by the host's time. On
    the host's time, a cookie dated by a machine whose clock runs fast is "signed in the future"
    for the others, which sign its holder out."""
    if not keys:
        raise ValueError("at least one secret key is needed")
    if clock is None:
        return TimestampSigner(list(reversed(keys)))
    return _ClockedSigner(list(reversed(keys)), clock=clock)


class Signer:
    """Makes and reads signed links. ``keys`` are newest first, as the operator lists them;
    ``clock`` dates new links and judges the age of those read (the app's clock)."""

    def __init__(self, keys: Sequence[str], *, clock: Clock = _wall_clock) -> None:
        if not keys:
            raise ValueError("at least one secret key is needed")
        # itsdangerous signs with the *last* key and verifies with all: reverse ours here, once.
        self._keys_oldest_first = list(reversed(keys))
        self._clock = clock

    def _serializer(self, purpose: Purpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            self._keys_oldest_first,
            salt=f"prize.{purpose.value}",
            signer=_ClockedSigner,
            signer_kwargs={"clock": self._clock},
        )

    def dumps(self, purpose: Purpose, subject_id: int, version: int, secret: str) -> str:
        return str(self._serializer(purpose).dumps([subject_id, version, secret]))

    def loads(self, purpose: Purpose, token: str, *, max_age: int = MAX_AGE_SECONDS) -> LinkClaim:
        try:
            payload, issued = self._serializer(purpose).loads(
                token, max_age=max_age, return_timestamp=True
            )
        except SignatureExpired:
            raise LinkExpired() from None
        except BadData:
            raise LinkInvalid() from None
        if not isinstance(payload, list) or len(payload) not in (2, 3):
            raise LinkInvalid()
        subject_id, version, *rest = payload
        secret = rest[0] if rest else ""  # a link from before rows had secrets
        if not (_is_int(subject_id) and _is_int(version) and isinstance(secret, str)):
            raise LinkInvalid()
        return LinkClaim(subject_id=subject_id, version=version, secret=secret, issued_at=issued)


def check(claim: LinkClaim, *, version: int, secret: str) -> None:
    """Raise unless the claim was made for this very row, since its links were last revoked.

    A secret that differs means the row the link was made for is gone (a deleted draft), and the
    row at that id is someone else's: ``LinkRevoked``, saying nothing about whose it is. A version
    that differs means the links were revoked: ``LinkRevoked`` too.
    """
    if not hmac.compare_digest(claim.secret.encode(), secret.encode()):
        raise LinkRevoked()
    if claim.version != version:
        raise LinkRevoked()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
