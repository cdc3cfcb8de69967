"""The links Prize e-mails, made in one place: resume links for applicants, ballot links for
jurors, set-password links for staff.

Each maker signs with the app's signer, points at ``PRIZE_BASE_URL`` and names the domain of the
Message-IDs (from ``PRIZE_MAIL_FROM``). Views take theirs from the request; the serving loop
(``prize.app``) and ``prize reminders`` from the settings and a signer.
"""

from __future__ import annotations

from starlette.requests import Request

from prize.domain.applicants.links import LinkMaker
from prize.domain.jury.links import BallotLinks
from prize.domain.shared import outbox
from prize.domain.staff.staff import Mailer
from prize.settings import Settings
from prize.tokens import Signer
from prize.views import common


def for_applicants(config: Settings, signer: Signer) -> LinkMaker:
    return LinkMaker(
        signer=signer, base_url=config.base_url, mail_domain=outbox.mail_domain(config.mail_from)
    )


def for_jurors(config: Settings, signer: Signer) -> BallotLinks:
    return BallotLinks(
        signer=signer, base_url=config.base_url, mail_domain=outbox.mail_domain(config.mail_from)
    )


def applicant_links(request: Request) -> LinkMaker:
    """Resume links to this app, for the e-mails an applicant's or the secretariat's page sends."""
    return for_applicants(common.settings(request), common.signer(request))


def ballot_links(request: Request) -> BallotLinks:
    """Ballot links to this app, for the e-mails the back office sends jurors."""
    return for_jurors(common.settings(request), common.signer(request))


def staff_links(request: Request) -> Mailer:
    """Set-password links to this app (the token goes in the path, redacted from logs)."""
    config = common.settings(request)
    app = request.app
    return Mailer(
        signer=common.signer(request),
        link=lambda token: config.base_url + str(app.url_path_for("staff_reset_link", token=token)),
        mail_domain=outbox.mail_domain(config.mail_from),
    )
