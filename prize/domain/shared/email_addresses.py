"""E-mail addresses as they are stored and compared: applicants, jurors and staff alike.

One rule for all, so that an address typed with capitals or spaces finds the same person
wherever it is looked up (sign-in, resume links, the jury list, a request for personal data).

And one check of what may be stored as an address (and so sent to, and throttled on): exactly
one plain mailbox, ``local@domain``. The standard library's header parser reads it; anything it
would read differently from what was typed is refused. ``smtplib`` takes the envelope recipients
from the ``To:`` header, so an "address" such as ``a,b@x.org``, ``g:b@x.org;``,
``Name <b@x.org>`` or ``a@x.org (comment)`` would reach other people, or another address than
the one stored.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

MAX_LENGTH = 254  # RFC 5321: the longest path a mail server must accept
MAX_LOCAL_LENGTH = 64
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TOP_LABEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def normalise_email(email: str) -> str:
    """The form an address is compared in (stripped, lower-cased); it checks nothing."""
    return email.strip().lower()


def parse_email(text: str) -> str | None:
    """``text`` as exactly one plain mailbox, normalised; None when it is not one. (When it
    is one, the result is ``normalise_email(text)``.)

    Accepted: an ASCII ``local@domain`` whose local part is a dot-atom (letters, digits and
    ``!#$%&'*+-/=?^_`{|}~``, dots between them) of at most 64 characters, and whose domain is
    a host name of at least two labels (letters, digits, inner hyphens) ending in a top-level
    domain of letters (or ``xn--``); 254 characters at most. Refused: several addresses, groups,
    display names, angle brackets, comments, quoted local parts, domain literals, spaces,
    line breaks, anything not ASCII.
    """
    address = normalise_email(text)
    if not address or len(address) > MAX_LENGTH or not address.isascii():
        return None
    if any(c.isspace() or not c.isprintable() or c == '"' for c in address):
        return None
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, HeaderParseError, IndexError):  # defects are ValueErrors; "a@" IndexError
        return None
    if parsed.addr_spec != address or not parsed.username or not parsed.domain:
        return None  # read differently from what was typed (a comment, quoting)
    if len(parsed.username) > MAX_LOCAL_LENGTH:
        return None
    labels = parsed.domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    if not _TOP_LABEL.match(labels[-1]):
        return None
    return address
