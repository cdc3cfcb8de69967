"""E-mail addresses as they are stored and compared: applicants, jurors and staff alike.

One rule for all, so that an address typed with capitals or spaces finds the same person
wherever it is looked up (sign-in, resume links, the jury list, a request for personal data).
"""

from __future__ import annotations


def normalise_email(email: str) -> str:
    return email.strip().lower()
