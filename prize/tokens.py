"""Signed links: the only module that imports itsdangerous.

A token holds a subject's id and the link version stored on the subject's row. Validity is decided
by the caller from the subject's state (see the domain); here we check the signature, the salt
(one per purpose) and the maximum age, and turn itsdangerous's errors into our own.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

MAX_AGE_SECONDS = 366 * 24 * 3600  # a year caps every link


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
    issued_at: datetime


class Signer:
    """Makes and reads signed links. ``keys`` are newest first, as the operator lists them."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one secret key is needed")
        # itsdangerous signs with the *last* key and verifies with all: reverse ours here, once.
        self._keys_oldest_first = list(reversed(keys))

    def _serializer(self, purpose: Purpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._keys_oldest_first, salt=f"prize.{purpose.value}")

    def dumps(self, purpose: Purpose, subject_id: int, version: int) -> str:
        return str(self._serializer(purpose).dumps([subject_id, version]))

    def loads(self, purpose: Purpose, token: str, *, max_age: int = MAX_AGE_SECONDS) -> LinkClaim:
        try:
            payload, issued = self._serializer(purpose).loads(
                token, max_age=max_age, return_timestamp=True
            )
        except SignatureExpired:
            raise LinkExpired() from None
        except BadData:
            raise LinkInvalid() from None
        if (
            not isinstance(payload, list)
            or len(payload) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in payload)
        ):
            raise LinkInvalid()
        return LinkClaim(subject_id=payload[0], version=payload[1], issued_at=issued)

    def check_version(self, claim: LinkClaim, current_version: int) -> None:
        """Raise ``LinkRevoked`` when the subject's links were revoked after this one was made."""
        if claim.version != current_version:
            raise LinkRevoked()
