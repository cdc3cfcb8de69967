"""Which pages the crawl visits, in order, for each kind of person (see tests/pagecrawl_data.py
for the data behind them). Every visit is reached as a person would: a signed link, the sign-in
form, a form sent with a mistake in it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.pagecrawl import Visit, oversized, send, tampered
from tests.pagecrawl_data import CrawlData, apply_link
from tests.staffkit import STAFF_PASSWORD

AFTER_DEADLINE = datetime(2027, 7, 1, 10, tzinfo=UTC)  # the 2027 call is closed, not screened


def public(data: CrawlData) -> list[Visit]:
    return [
        Visit("home", "/"),
        Visit("editions", "/editions"),
        Visit("jury", "/jury"),
        Visit("results", "/editions/2022/results"),
        Visit(
            "results-receipt-counted",
            "/editions/2022/results",
            act=send("/editions/2022/results/receipt", {"#receipt": data.receipts["published"]}),
        ),
        Visit(
            "results-receipt-empty",
            "/editions/2022/results",
            act=send("/editions/2022/results/receipt"),
        ),
        Visit("results-archived", "/editions/2021/results"),
        Visit(
            "results-certificate",
            f"/editions/2022/results/certificates/{data.refs['published_winner']}",
        ),
        Visit("apply-start", "/apply"),
        Visit("apply-start-refused", "/apply", act=send("/apply")),
        Visit("home-closed", "/", at=AFTER_DEADLINE),
        Visit("apply-start-closed", "/apply", at=AFTER_DEADLINE),
        Visit("apply-resend", "/apply/resend"),
        Visit("apply-sent", "/apply/sent"),
        Visit("apply-mine-empty", "/apply/mine"),
        Visit("staff-login", "/secretariat/login"),
        Visit(
            "staff-login-refused",
            "/secretariat/login",
            act=send(
                "/secretariat/login",
                {"#email": "nobody@example.org", "#password": "not the password"},
            ),
        ),
        Visit("staff-forgot", "/secretariat/password/forgot"),
        Visit(
            "staff-forgot-sent",
            "/secretariat/password/forgot",
            act=send("/secretariat/password/forgot", {"#email": "officer@example.org"}),
        ),
    ]


def errors(data: CrawlData) -> list[Visit]:
    return [
        Visit("error-404", "/no-such-page", 404),
        Visit("error-405", "/language", 405),
        Visit(
            "error-resend-form",
            "/apply/resend",
            403,
            act=tampered("/apply/resend", {"#email": "someone@example.org"}),
        ),
        Visit(
            "error-refused-form",
            "/apply/resend",
            403,
            act=tampered("/apply/resend", {"#email": "someone@example.org"}, token=""),
        ),
        Visit("error-413", "/apply/resend", 413, act=oversized("/apply/resend", "email")),
        Visit("error-apply-need-link", f"/apply/{data.apps['draft']}", 403),
        Visit("error-apply-link-invalid", "/apply/link/not-a-real-link", 400),
        Visit("error-apply-link-expired", data.links["apply_published_draft"], 410),
        Visit(
            "apply-published-winner",
            data.links["apply_published_winner"],
            lands=f"/apply/{data.apps['published_winner']}",
        ),
        Visit("ballot-thanks", data.links["ballot_published"]),
        Visit(
            "error-apply-link-revoked",
            data.links["apply_revoked"],
            410,
        ),
        Visit("error-ballot-no-session", "/ballot", 401),
        Visit("error-ballot-link-invalid", "/ballot/link/not-a-real-link", 400),
        Visit("error-ballot-link-expired", data.links["ballot_decided"], 410),
        Visit("error-ballot-link-revoked", data.links["ballot_revoked"], 410),
        Visit("error-staff-reset-invalid", "/secretariat/reset/not-a-real-link", 400),
        Visit("error-staff-reset-missing", "/secretariat/password/new", 400),
    ]


def applicant(data: CrawlData) -> list[Visit]:
    draft, sent = data.apps["draft"], data.apps["submitted"]
    return [
        Visit("apply-draft", data.links["apply_draft"], lands=f"/apply/{draft}/tasks"),
        Visit("apply-draft-form", f"/apply/{draft}"),
        *[
            Visit(f"apply-section-{key}", f"/apply/{draft}/section/{key}")
            for key in ("project", "contacts", "description", "consents")
        ],
        Visit(
            "apply-draft-refused",
            f"/apply/{draft}",
            act=send(f"/apply/{draft}", button='button[value="check"]'),
        ),
        Visit("apply-check", f"/apply/{draft}/check"),
        Visit("apply-files", f"/apply/{draft}/files"),
        Visit("apply-delete", f"/apply/{draft}/delete"),
        Visit("apply-new-link", f"/apply/{draft}/new-link"),
        Visit("apply-submitted", data.links["apply_submitted"], lands=f"/apply/{sent}"),
        Visit("apply-done", f"/apply/{sent}/submitted"),
        Visit("apply-change", f"/apply/{sent}/change"),
        Visit("apply-discard", f"/apply/{sent}/discard"),
        Visit("apply-withdraw", f"/apply/{sent}/withdraw"),
        *[
            Visit(f"apply-{key}", data.links[f"apply_{key}"], lands=f"/apply/{data.apps[key]}")
            for key in (
                "screen_submitted",
                "screen_french",
                "screen_ineligible",
                "screen_returned",
                "screen_withdrawn",
                "decided_winner",
            )
        ],
        Visit("apply-mine", "/apply/mine"),
    ]


def juror(data: CrawlData) -> list[Visit]:
    first = data.refs["ballot_first"]
    return [
        Visit("ballot-before-rounds", data.links["ballot_before_rounds"], lands="/ballot"),
        Visit("ballot-welcome", data.links["ballot_welcome"], lands="/ballot/welcome"),
        Visit(
            "ballot-welcome-refused",
            "/ballot/welcome",
            act=send("/ballot/welcome", {"#first_name": ""}),
        ),
        Visit("ballot-conflicts", data.links["ballot_conflicts"], lands="/ballot/conflicts"),
        Visit("ballot-conflicts-refused", "/ballot/conflicts", act=send("/ballot/conflicts")),
        Visit("ballot-home", data.links["ballot_scoring"], lands="/ballot"),
        Visit("ballot-application", f"/ballot/applications/{first}"),
        Visit(
            "ballot-application-refused",
            f"/ballot/applications/{first}",
            act=send(f"/ballot/applications/{first}", {"#abstain": "check"}),  # no reason
        ),
        Visit("ballot-submit", "/ballot/submit"),
        Visit("ballot-submitted", data.links["ballot_submitted"], lands="/ballot"),
        Visit("ballot-receipt", "/ballot/receipt"),
        Visit("ballot-application-submitted", f"/ballot/applications/{first}"),
        Visit("ballot-final", data.links["ballot_final"], lands="/ballot"),
        Visit("ballot-final-application", f"/ballot/applications/{data.refs['final_first']}"),
        Visit("ballot-waiting", data.links["ballot_waiting"], lands="/ballot"),
        Visit("ballot-sign-out", "/ballot/sign-out"),  # asks first
        Visit(
            "ballot-signed-out",
            "/ballot/sign-out",
            lands="/ballot/signed-out",
            act=send("/ballot/sign-out"),
        ),
    ]


def _sign_in(name: str, email: str) -> Visit:
    return Visit(
        name,
        "/secretariat/login",
        lands="/secretariat",
        act=send("/secretariat/login", {"#email": email, "#password": STAFF_PASSWORD}),
    )


YEARS = (2028, 2027, 2026, 2025, 2024, 2023, 2022, 2021, 2019)


def secretariat(data: CrawlData) -> list[Visit]:
    a, j = data.apps, data.jurors
    return [
        _sign_in("staff-dashboard", "officer@example.org"),
        Visit("staff-editions", "/secretariat/editions"),
        Visit("staff-edition-new", "/secretariat/editions/new"),
        Visit(
            "staff-edition-new-refused",
            "/secretariat/editions/new",
            act=send("/secretariat/editions/new"),
        ),
        *[Visit(f"staff-edition-{year}", f"/secretariat/editions/{year}") for year in YEARS],
        Visit("staff-edition-edit-draft", "/secretariat/editions/2028/edit"),
        Visit("staff-edition-copy", "/secretariat/editions/2027/copy"),
        Visit(
            "staff-edition-delete",
            f"/secretariat/editions/id/{data.editions[2028]}/delete",
        ),
        Visit(
            "staff-edition-delete-refused",
            f"/secretariat/editions/id/{data.editions[2026]}/delete",
        ),
        Visit("staff-edition-edit-open", "/secretariat/editions/2027/edit"),
        Visit("staff-criterion-new", "/secretariat/editions/2028/criteria/new"),
        Visit(
            "staff-criterion-new-refused",
            "/secretariat/editions/2028/criteria/new",
            act=send("/secretariat/editions/2028/criteria/new"),
        ),
        Visit("staff-criterion", f"/secretariat/editions/2028/criteria/{data.criteria['draft']}"),
        Visit("staff-accounts", "/secretariat/staff"),
        Visit("staff-outbox", "/secretariat/outbox"),
        Visit("staff-write", "/secretariat/editions/2025/write"),
        Visit(
            "staff-write-refused",
            "/secretariat/editions/2025/write",
            act=send("/secretariat/editions/2025/write", {"#body_en": "Dear {nmae}"}),
        ),
        Visit(
            "staff-write-preview",
            "/secretariat/editions/2025/write",
            act=send(
                "/secretariat/editions/2025/write",
                {
                    "#group": "jurors",
                    "#subject_en": "The jury meets on Friday",
                    "#body_en": "Dear {name}, see you there: {link}",
                    "#subject_fr": "Le jury se réunit vendredi",
                    "#body_fr": "Bonjour {name}, à vendredi\u00a0: {link}",
                },
            ),
        ),
        Visit("staff-outbox-failed", "/secretariat/outbox?status=failed"),
        Visit("staff-outbox-message", f"/secretariat/outbox/{data.messages['failed']}"),
        Visit("staff-edition-rehearsal", "/secretariat/editions/2027-rehearsal"),
        Visit("staff-edition-try", "/secretariat/editions/2027-rehearsal/try-application"),
        Visit(
            "staff-edition-try-refused",
            "/secretariat/editions/2027-rehearsal/try-application",
            400,
            act=send("/secretariat/editions/2027-rehearsal/try-application"),
        ),
        Visit("staff-audit", "/secretariat/audit"),
        Visit(
            "staff-applications-index",
            "/secretariat/applications",
            lands="/secretariat/editions/2028/applications",
        ),
        Visit("staff-applications-open", "/secretariat/editions/2027/applications"),
        Visit("staff-applications-screening", "/secretariat/editions/2026/applications"),
        Visit(
            "staff-applications-filtered",
            "/secretariat/editions/2026/applications?status=returned&q=gym",
        ),
        *[
            Visit(f"staff-application-{key}", f"/secretariat/applications/{a[key]}")
            for key in (
                "submitted",
                "screen_submitted",
                "screen_french",
                "screen_eligible",
                "screen_ineligible",
                "screen_returned",
                "screen_withdrawn",
                "screen_draft",
                "published_winner",
            )
        ],
        Visit(
            "staff-application-refused",
            f"/secretariat/applications/{a['screen_submitted']}",
            act=send(
                f"/secretariat/applications/{a['screen_submitted']}/screening",
                within='[aria-labelledby="ineligible-h"]',
            ),
        ),
        Visit(
            "staff-application-translation",
            f"/secretariat/applications/{a['screen_french']}/translation",
        ),
        Visit("staff-personal-data", "/secretariat/personal-data"),
        Visit(
            "staff-personal-data-found",
            "/secretariat/personal-data",
            act=send("/secretariat/personal-data", {"#email": "claire@example.org"}),
        ),
        Visit("staff-jury-index", "/secretariat/jury"),
        *[
            Visit(f"staff-jury-{year}", f"/secretariat/editions/{year}/jury")
            for year in (2026, 2025, 2024, 2022)
        ],
        Visit("staff-jury-add", "/secretariat/editions/2025/jury/add"),
        Visit(
            "staff-jury-add-refused",
            "/secretariat/editions/2025/jury/add",
            act=send("/secretariat/editions/2025/jury/add"),
        ),
        Visit("staff-jury-import", "/secretariat/editions/2025/jury/import"),
        *[
            Visit(f"staff-juror-{key}", f"/secretariat/jurors/{j[key]}")
            for key in ("scoring", "submitted", "minor", "revoked", "replaced")
        ],
        Visit("staff-juror-replace", f"/secretariat/jurors/{j['scoring']}/replace"),
        Visit("staff-tally-index", "/secretariat/results"),
        *[
            Visit(f"staff-tally-{year}-{round_}", f"/secretariat/editions/{year}/tally/{round_}")
            for year, round_ in (
                (2025, "shortlist"),
                (2024, "final"),
                (2022, "final"),
            )
        ],
        *[
            Visit(f"staff-decisions-{year}", f"/secretariat/editions/{year}/decisions")
            for year in (2025, 2024, 2023, 2022, 2021)
        ],
        # confirmation pages: what a consequential action does, before it is done (or, for an
        # action the edition's state refuses, the page that offers it, with the refusal)
        Visit("staff-confirm-publish", "/secretariat/editions/2023/decisions/publish"),
        Visit("staff-confirm-move", "/secretariat/editions/2023/move?to=published"),
        Visit(
            "staff-confirm-back-refused",
            "/secretariat/editions/2023/back",
            lands="/secretariat/editions/2023",
        ),
        Visit(
            "staff-confirm-decide-refused",
            "/secretariat/editions/2023/decisions/decide",
            lands="/secretariat/editions/2023/decisions",
        ),
        Visit(
            "staff-confirm-final-round-refused",
            "/secretariat/editions/2023/decisions/final-round",
            lands="/secretariat/editions/2023/decisions",
        ),
        Visit(
            "staff-confirm-shortlist-refused",
            "/secretariat/editions/2023/decisions/shortlist",
            lands="/secretariat/editions/2023/decisions",
        ),
        Visit(
            "staff-confirm-archive-delete-missing",
            "/secretariat/editions/2021/archive/999999/delete",
            404,
        ),
        Visit(
            "staff-confirm-disable-missing",
            "/secretariat/staff/999999/disable",
            lands="/secretariat/staff",
        ),
        Visit(
            "staff-confirm-criterion-remove",
            f"/secretariat/editions/2028/criteria/{data.criteria['draft']}/remove",
        ),
        Visit("staff-confirm-reissue", f"/secretariat/jurors/{j['scoring']}/reissue"),
        Visit("staff-confirm-revoke", f"/secretariat/jurors/{j['scoring']}/revoke"),
        Visit(
            "staff-confirm-remind-closed",
            "/secretariat/editions/2023/jury/remind",
            lands="/secretariat/editions/2023/jury",
        ),
        Visit("staff-confirm-invite-all", "/secretariat/editions/2023/jury/invite"),
        Visit("staff-confirm-screening-results", "/secretariat/editions/2026/screening/send"),
        Visit("staff-password", "/secretariat/account/password"),
        Visit("staff-reset", data.links["staff_reset"], lands="/secretariat/password/new"),
        Visit("staff-invited", data.links["staff_invited"], lands="/secretariat/password/new"),
        Visit(
            "staff-signed-out",
            "/secretariat",
            lands="/secretariat/login",
            act=send("/secretariat/logout"),
        ),
    ]


def adviser(data: CrawlData) -> list[Visit]:
    a, j = data.apps, data.jurors
    return [
        _sign_in("adviser-dashboard", "adviser@example.org"),
        Visit("adviser-application", f"/secretariat/applications/{a['screen_submitted']}"),
        Visit("adviser-jury", "/secretariat/editions/2025/jury"),
        Visit("adviser-juror", f"/secretariat/jurors/{j['scoring']}"),
        Visit("adviser-tally", "/secretariat/editions/2024/tally/final"),
        Visit("adviser-decisions-final", "/secretariat/editions/2024/decisions"),
        Visit("error-403", "/secretariat/personal-data", 403),
    ]


def everything(data: CrawlData) -> list[Visit]:
    return [
        *public(data),
        *errors(data),
        *applicant(data),
        *juror(data),
        *secretariat(data),
        *adviser(data),
    ]


__all__ = ["apply_link", "everything"]
