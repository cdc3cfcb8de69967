"""Trying the applicant's journey in a rehearsal.

``/apply`` finds only the public call, so a rehearsal never receives an application from the
public. The secretariat starts one from the rehearsal's page instead: the draft belongs to the
rehearsal edition, its resume link opens it in the secretariat's browser at once (a link the
back office issues), and every e-mail it causes follows the rehearsal's rules (held in the
outbox unless its address is listed for the rehearsal).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from prize.domain.applicants.applications import start
from prize.domain.applicants.links import LinkMaker
from prize.domain.editions.editions import accepts_applications
from prize.domain.errors import NotAllowed
from prize.models import Application, Edition


def start_trial(
    *,
    session: Session,
    edition: Edition,
    email: str,
    title: str,
    language: str,
    links: LinkMaker,
    client: str,
    now: datetime,
) -> Application:
    """A draft in the rehearsal ``edition``, started as an applicant would start one (same
    checks, same e-mail, same throttle). Refused for a real edition (its call is public) and
    while the rehearsal's call is not open."""
    if not edition.rehearsal:
        raise NotAllowed("Only a rehearsal's application form can be tried from here.")
    if not accepts_applications(edition, now):
        raise NotAllowed(
            "Open the rehearsal's call first: it accepts applications only while it is open, "
            "between its opening and its deadline."
        )
    return start(
        session=session,
        edition=edition,
        email=email,
        title=title,
        language=language,
        links=links,
        client=client,
        now=now,
    ).application
