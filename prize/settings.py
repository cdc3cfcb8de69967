"""Settings: the only module that reads the environment.

Every setting is a ``PRIZE_*`` variable, documented in README.md's configuration table.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

LANGUAGES = ("en", "fr")
LOOPBACK = ("127.0.0.1", "::1")
# What the audit chain's key is derived from, with each of PRIZE_SECRET_KEYS, when PRIZE_AUDIT_KEY
# is unset. Changing it makes every entry written before unverifiable.
AUDIT_KEY_LABEL = b"prize: audit chain key, v1"
# What the upload route accepts beyond its largest file (the form's other fields, the encoding).
UPLOAD_BODY_MARGIN = 2 * 1024 * 1024
DATABASE_STORAGE = "database:"
# The secretariat's address the demo's e-mails give, PRIZE_CONTACT_EMAIL being unset there.
DEMO_CONTACT_EMAIL = "secretariat@example.org"


class SettingsError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """The settings, each field's default the one ``load`` gives when its variable is unset."""

    database_url: str = "sqlite:///prize.sqlite3"
    # Newest first, as an operator writes them: the first signs, all verify.
    secret_keys: tuple[str, ...] = ()
    # PRIZE_SECRET_KEYS_VERIFY_ONLY: keys accepted on links and session cookies, never signing
    # (the first step of a rolling rotation).
    secret_keys_verify_only: tuple[str, ...] = ()
    # PRIZE_AUDIT_KEY, newest first; empty: the chain is keyed from secret_keys (audit_chain_keys).
    audit_keys: tuple[str, ...] = ()
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = ""
    mail_from: str = "European Drug Prevention Prize <prize@example.org>"
    # Where people write with a question (every e-mail ends with it); required outside the demo.
    contact_email: str = ""
    storage_dir: Path = Path("storage")
    # PRIZE_STORAGE_URL: "database:" or "file:///folder"; empty: the database on PostgreSQL,
    # else the folder storage_dir (see ``storage``).
    storage_url: str = ""
    # Connections each process keeps open to PostgreSQL, and may open beyond them at a peak.
    db_pool_size: int = 5
    db_max_overflow: int = 5
    # /health fails when this host's clock is further than this from the database's (seconds).
    max_clock_offset: int = 2
    default_language: str = "en"
    max_upload_bytes: int = 10 * 1024 * 1024
    max_uploads: int = 5
    # Unset, PRIZE_MAX_BODY_BYTES follows PRIZE_MAX_UPLOAD_BYTES: the largest file and a margin.
    max_body_bytes: int = max_upload_bytes + UPLOAD_BODY_MARGIN
    session_max_age: int = 8 * 3600
    demo: bool = False
    access_log: bool = True
    outbox_interval: float = 5
    page_cache_seconds: int = 10  # public pages kept rendered at most this long; 0: never
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks);
    # empty: the loopback addresses only.
    forwarded_allow_ips: tuple[str, ...] = ()
    argon2_fast: bool = False  # cheap hashing parameters, for tests only
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def https(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def storage(self) -> tuple[str, Path | None]:
        """Where uploaded files live: ``("database", None)`` or ``("file", folder)``."""
        url = self.storage_url
        if not url:
            return ("file", self.storage_dir) if self.is_sqlite else ("database", None)
        if url == DATABASE_STORAGE:
            return ("database", None)
        return ("file", Path(unquote(urlsplit(url).path)))

    @property
    def verifying_keys(self) -> tuple[str, ...]:
        """The keys links and session cookies are checked against, the signing key first."""
        return self.secret_keys + self.secret_keys_verify_only

    @property
    def trusted_proxies(self) -> str:
        """``forwarded_allow_ips`` as uvicorn takes it."""
        return ",".join(self.forwarded_allow_ips or LOOPBACK)

    @property
    def audit_chain_keys(self) -> tuple[bytes, ...]:
        """The audit chain's HMAC keys, newest first: the first keys new entries, all verify.

        PRIZE_AUDIT_KEY's keys, then one derived from each of PRIZE_SECRET_KEYS (the only ones
        when PRIZE_AUDIT_KEY is unset; still tried when it is set, so that entries written before
        it was set stay verifiable).
        """
        own = tuple(key.encode() for key in self.audit_keys)
        derived = tuple(
            hmac.new(key.encode(), AUDIT_KEY_LABEL, hashlib.sha256).digest()
            for key in self.secret_keys
        )
        return own + derived

    def audit_key_name(self, index: int) -> str:
        """Which setting the ``index``-th of ``audit_chain_keys`` comes from, for a person."""
        if index < len(self.audit_keys):
            return f"key {index + 1} of PRIZE_AUDIT_KEY"
        return f"the key derived from key {index - len(self.audit_keys) + 1} of PRIZE_SECRET_KEYS"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


_Number = TypeVar("_Number", int, float)


def _int(
    env: Mapping[str, str], name: str, default: _Number, *, zero: bool = False
) -> int | _Number:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 0 or (value == 0 and not zero):
        raise SettingsError(
            f"{name} must be {'zero or more' if zero else 'positive'}, not {raw!r}."
        )
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}.")


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (CIDR, host bits zero), or ``*`` alone for any
    address; checked here, as uvicorn would quietly ignore an entry it cannot read."""
    items = tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())
    if items == ("*",):
        return items
    for item in items:
        try:
            ipaddress.ip_network(item)
        except ValueError:
            raise SettingsError(
                f"{name} must list IP addresses or networks separated by commas "
                f"(for example 10.0.0.5,192.168.1.0/24; or * alone), not {item!r}."
            ) from None
    return items


def _storage_url(env: Mapping[str, str], name: str) -> str:
    """``database:``, ``file:///absolute/folder``, or empty (the default)."""
    url = env.get(name, "").strip()
    if not url or url == DATABASE_STORAGE:
        return url
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in {"", "localhost"} or not parts.path:
        raise SettingsError(
            f"{name} must be database: or file:///absolute/folder (for example "
            f"file:///var/lib/prize/storage), not {url!r}."
        )
    return url


def load_storage_url(url: str) -> str:
    """A storage URL typed on the command line, checked as PRIZE_STORAGE_URL is."""
    return _storage_url({"--to": url}, "--to")


def _keys(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in env.get(name, "").split(",") if k.strip())
    if any(len(k) < 16 for k in keys):
        raise SettingsError(f"Each key in {name} must be at least 16 characters long.")
    return keys


def _secret_and_audit_keys(
    env: Mapping[str, str], *, demo: bool, need_secret: bool, need_audit_key: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """PRIZE_SECRET_KEYS (one made up when it is not needed) and PRIZE_AUDIT_KEY."""
    keys = _keys(env, "PRIZE_SECRET_KEYS")
    audit_keys = _keys(env, "PRIZE_AUDIT_KEY")
    if not keys and not audit_keys and need_audit_key and not demo:
        raise SettingsError(
            "The audit log is keyed with PRIZE_AUDIT_KEY, or with a key derived from "
            "PRIZE_SECRET_KEYS when PRIZE_AUDIT_KEY is unset, and neither is set. Set the same "
            "keys as the server's."
        )
    if not keys:
        if need_secret and not demo:
            raise SettingsError(
                "PRIZE_SECRET_KEYS is not set. Set it to a long random value, for example: "
                "export PRIZE_SECRET_KEYS=\"$(python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')\""
            )
        keys = (secrets.token_urlsafe(48),)
    return keys, audit_keys


_ONE_ADDRESS = re.compile(r"[^@\s,;:<>\"]+@[^@\s,;:<>\"]+\.[^@\s,;:<>\"]+")


def _contact(env: Mapping[str, str], *, demo: bool, need_contact: bool) -> str:
    """PRIZE_CONTACT_EMAIL: the demo's own address when unset in the demo; required by the
    processes that send e-mail (``need_contact``) outside the demo."""
    contact = env.get("PRIZE_CONTACT_EMAIL", "").strip()
    if not contact and demo:
        return DEMO_CONTACT_EMAIL
    if not contact and need_contact:
        raise SettingsError(
            "PRIZE_CONTACT_EMAIL is not set. Set it to the secretariat's address, where people "
            "write with a question: every e-mail ends with it."
        )
    if contact and not _ONE_ADDRESS.fullmatch(contact):
        raise SettingsError(f"PRIZE_CONTACT_EMAIL must be one e-mail address, not {contact!r}.")
    return contact


def load(
    env: Mapping[str, str] | None = None,
    *,
    demo: bool = False,
    need_secret: bool = True,
    need_audit_key: bool = False,
    need_contact: bool = False,
) -> Settings:
    """Read the settings from ``env`` (default: the process environment).

    Outside demo mode a missing ``PRIZE_SECRET_KEYS`` is an error; the demo makes its own key,
    and so do commands that sign nothing (``need_secret=False``). Commands that write or check
    the audit log without signing (``need_audit_key=True``) need the audit chain's key:
    ``PRIZE_AUDIT_KEY``, or ``PRIZE_SECRET_KEYS`` that it is derived from. Commands that send
    e-mail (``need_contact=True``) need ``PRIZE_CONTACT_EMAIL`` outside the demo.
    """
    env = os.environ if env is None else env
    keys, audit_keys = _secret_and_audit_keys(
        env, demo=demo, need_secret=need_secret, need_audit_key=need_audit_key
    )
    default = Settings()
    language = env.get("PRIZE_DEFAULT_LANGUAGE", default.default_language)
    if language not in LANGUAGES:
        raise SettingsError(f"PRIZE_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}.")
    base_url = env.get("PRIZE_BASE_URL", default.base_url).rstrip("/")
    if urlsplit(base_url).scheme not in {"http", "https"}:
        raise SettingsError("PRIZE_BASE_URL must start with http:// or https://.")
    smtp_url = env.get("PRIZE_SMTP_URL", default.smtp_url)
    if smtp_url and urlsplit(smtp_url).scheme not in {"smtp", "smtps", "smtp+starttls"}:
        raise SettingsError("PRIZE_SMTP_URL must start with smtp://, smtps:// or smtp+starttls://.")
    max_upload = _int(env, "PRIZE_MAX_UPLOAD_BYTES", default.max_upload_bytes)
    return Settings(
        database_url=env.get("PRIZE_DATABASE_URL", default.database_url),
        secret_keys=keys,
        secret_keys_verify_only=_keys(env, "PRIZE_SECRET_KEYS_VERIFY_ONLY"),
        audit_keys=audit_keys,
        base_url=base_url,
        smtp_url=smtp_url,
        mail_from=env.get("PRIZE_MAIL_FROM", default.mail_from),
        contact_email=_contact(env, demo=demo, need_contact=need_contact),
        storage_dir=Path(env.get("PRIZE_STORAGE_DIR", default.storage_dir)),
        storage_url=_storage_url(env, "PRIZE_STORAGE_URL"),
        db_pool_size=_int(env, "PRIZE_DB_POOL_SIZE", default.db_pool_size),
        db_max_overflow=_int(env, "PRIZE_DB_MAX_OVERFLOW", default.db_max_overflow, zero=True),
        max_clock_offset=_int(env, "PRIZE_MAX_CLOCK_OFFSET", default.max_clock_offset),
        default_language=language,
        max_upload_bytes=max_upload,
        max_uploads=_int(env, "PRIZE_MAX_UPLOADS", default.max_uploads),
        max_body_bytes=_int(env, "PRIZE_MAX_BODY_BYTES", max_upload + UPLOAD_BODY_MARGIN),
        session_max_age=_int(env, "PRIZE_SESSION_MAX_AGE", default.session_max_age),
        demo=demo,
        access_log=_bool(env, "PRIZE_ACCESS_LOG", default.access_log),
        outbox_interval=float(_int(env, "PRIZE_OUTBOX_INTERVAL", default.outbox_interval)),
        page_cache_seconds=_int(
            env, "PRIZE_PAGE_CACHE_SECONDS", default.page_cache_seconds, zero=True
        ),
        forwarded_allow_ips=_networks(env, "PRIZE_FORWARDED_ALLOW_IPS"),
    )
