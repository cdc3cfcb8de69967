"""The whole story in Chromium, on a fresh database, as people do it: the secretariat creates and
opens an edition; two applicants apply (one in French, with a PDF); the deadline passes; the
secretariat screens and invites three jurors, whose links come from the SMTP server; the jurors
score the first round (one declares a conflict); the secretariat confirms the shortlist; the
jurors score the final round; the secretariat decides and publishes; the public results page
names the winners and a juror's receipt checks.

Every e-mail goes through the real outbox sender to a real SMTP server (``smtp.deliver``); the
deadline passes by moving the clock the live server shares, never by sleeping.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from prize.models import Application, ApplicationStatus, Edition, EditionState
from tests.applykit import tiny_pdf
from tests.browserkit import DESKTOP, PHONE
from tests.mailkit import body_of
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser

OFFICER = "officer@example.org"
AMRA = "amra@example.org"  # applies in English, on a phone
CLAIRE = "claire@example.org"  # applies in French, with a PDF
JURORS = (  # first name, last name, e-mail, country
    ("Lena", "Novak", "lena@example.org", "SI"),
    ("Omar", "Haddad", "omar@example.org", "MA"),
    ("Ana", "Silva", "ana@example.org", "PT"),
)
# Scores per juror and round: project -> (innovation, youth participation); None: a conflict.
ROUND_1 = {
    "Lena": {"Street theatre": (9, 8), "Café du vendredi": (6, 7)},
    "Omar": {"Street theatre": (8, 9), "Café du vendredi": None},
    "Ana": {"Street theatre": (7, 7), "Café du vendredi": (8, 6)},
}
ROUND_2 = {
    "Lena": {"Street theatre": (10, 9), "Café du vendredi": (6, 6)},
    "Omar": {"Street theatre": (9, 9)},
    "Ana": {"Street theatre": (8, 8), "Café du vendredi": (7, 7)},
}


class Mail:
    """The SMTP server's inbox, filled by the outbox sender on demand."""

    def __init__(self, smtp, server) -> None:
        self.smtp, self.server = smtp, server

    def link(self, address: str, pattern: str, subject: str = "") -> str:
        """The path of the newest link matching ``pattern`` e-mailed to ``address``."""
        self.smtp.deliver(self.server.database, self.server.clock())
        for message in reversed(self.smtp.inbox.to(address)):
            if subject and subject not in str(message["Subject"]):
                continue
            found = re.search(rf"https?://[^/\s]+({pattern}[^\s]+)", body_of(message))
            if found:
                return found.group(1)
        raise AssertionError(f"no {pattern} link e-mailed to {address}")

    def text(self, address: str, subject: str) -> str:
        self.smtp.deliver(self.server.database, self.server.clock())
        for message in reversed(self.smtp.inbox.to(address)):
            if subject in str(message["Subject"]):
                return body_of(message)
        raise AssertionError(f"no e-mail about {subject!r} to {address}")


def test_the_whole_story_from_the_call_to_the_published_results(live_server, browser, smtp):
    base = live_server.url
    mail = Mail(smtp, live_server)
    make_staff(live_server.database, live_server.clock(), email=OFFICER)
    staff = _browse(browser, "en-GB", DESKTOP)

    # The secretariat signs in, creates the 2027 edition with two criteria and opens the call.
    staff.goto(base + "/secretariat")
    staff.get_by_label("E-mail address").fill(OFFICER)
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Dashboard")
    staff.get_by_role("link", name="Editions", exact=True).click()
    staff.get_by_role("link", name="Create an edition").click()
    staff.get_by_label("Year").fill("2027")
    staff.get_by_label("Title in English").fill("European Drug Prevention Prize 2027")
    staff.get_by_label("Title in French").fill("Prix européen de prévention des drogues 2027")
    staff.get_by_label("The call, in English").fill("Young people lead prevention: apply.")
    staff.get_by_label("Applications open").fill("2027-03-01T09:00")
    staff.get_by_label("Deadline for applications").fill("2027-06-30T23:59")
    staff.get_by_label("First jury round closes").fill("2027-07-31T23:59")
    staff.get_by_label("Final jury round closes").fill("2027-08-31T23:59")
    staff.get_by_label("Quorum").fill("2")  # a small jury: two ballots make a score
    staff.get_by_role("button", name="Create the edition").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("2027")
    for name in ("Innovation", "Youth participation"):
        staff.get_by_role("link", name="Add a criterion").click()
        staff.get_by_label("Name in English").fill(name)
        staff.get_by_label("Weight").fill("1")
        staff.get_by_role("button", name="Save the criterion").click()
    staff.get_by_role("button", name="Open the call").click()
    staff.get_by_role("button", name="Make the move").click()
    expect(staff.get_by_text("The call is open.")).to_be_visible()

    # Two applicants apply: Amra in English on her phone, Claire in French with a PDF.
    amra = _phone(browser, "en-GB")
    _apply_in_english(amra, base, mail)
    claire = _phone(browser, "fr-FR")
    _apply_in_french(claire, base, mail)
    assert "EDPP-2027-0001" in mail.text(AMRA, "EDPP-2027-0001")

    # The deadline passes: nothing more is submitted; the secretariat screens both.
    live_server.clock.set(datetime(2027, 7, 1, 8, 0, tzinfo=UTC))
    amra.goto(base + "/apply/1")
    expect(amra.get_by_role("heading", level=1)).to_be_visible()
    assert amra.get_by_role("button", name="Submit the changes").count() == 0  # read-only now
    assert amra.get_by_role("textbox").count() == 0
    staff.goto(base + "/secretariat/editions/2027")
    staff.get_by_role("button", name="Close the call and start screening").click()
    staff.get_by_role("button", name="Make the move").click()
    expect(staff.locator(".state-line")).to_contain_text("screening")
    for reference in ("EDPP-2027-0001", "EDPP-2027-0002"):
        staff.goto(base + "/secretariat/editions/2027/applications")
        staff.get_by_role("link", name=reference).click()
        staff.get_by_role("button", name="Mark as eligible").click()
        expect(staff.get_by_text(f"{reference}: decision recorded")).to_be_visible()
    staff.goto(base + "/secretariat/editions/2027/applications")
    staff.get_by_role("link", name="Review and send the screening results").click()
    expect(
        staff.get_by_text("2 screening decisions are e-mailed to their applicants.")
    ).to_be_visible()
    staff.get_by_role("button", name="Send the screening results").click()

    # Three jurors are added and invited; each link comes by e-mail.
    staff.get_by_role("link", name="Jury", exact=True).click()  # the chosen edition's jury
    for first, last, email, country in JURORS:
        staff.get_by_role("link", name="Add a juror").click()
        staff.get_by_role("textbox", name="First name").fill(first)
        staff.get_by_label("Last name").fill(last)
        staff.get_by_label("E-mail address").fill(email)
        staff.get_by_label("Country").select_option(country)
        staff.get_by_label("Date of birth").fill("2005-04-12")
        staff.get_by_label("The juror's first name may be published").check()
        staff.get_by_role("button", name="Add the juror").click()
        staff.goto(base + "/secretariat/editions/2027/jury")
    staff.get_by_role("button", name="Invite every juror not invited yet").click()
    staff.get_by_role("button", name="Send the invitations").click()
    links = {first: mail.link(email, "/ballot/link/") for first, _, email, _ in JURORS}

    staff.goto(base + "/secretariat/editions/2027")
    staff.get_by_role("button", name="Start the first jury round").click()
    staff.get_by_role("button", name="Make the move").click()
    expect(staff.locator(".state-line")).to_contain_text("first jury round")

    # Round 1: each juror opens their link, onboards and scores; Omar declares a conflict.
    jurors = {first: _phone(browser, "en-GB") for first, *_ in JURORS}
    receipts_1 = {}
    for first, scores in ROUND_1.items():
        page = jurors[first]
        page.goto(base + links[first])
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the jury")
        assert "/link/" not in page.url
        page.get_by_label("I accept the confidentiality pledge.").check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Conflicts of interest")
        conflicted = [title for title, marks in scores.items() if marks is None]
        for title in conflicted:
            box = page.locator("fieldset", has_text=title)
            box.get_by_label("I have a conflict of interest with this project.").check()
            box.get_by_label("What connects you to it?").fill("My cousin runs it.")
        if not conflicted:
            page.get_by_label("I have no conflict of interest with any of these projects.").check()
        page.get_by_role("button", name="Send my declaration").click()
        on_ballot = page.locator(".ballot-list li a").count()  # conflicts are listed, unlinked
        assert on_ballot == len([m for m in scores.values() if m is not None])
        receipts_1[first] = _score_and_submit(page, scores)

    # The secretariat reads the tally and confirms the proposed shortlist; the final round opens.
    staff.goto(base + "/secretariat/editions/2027/tally/shortlist")
    expect(staff.get_by_role("heading", level=1)).to_be_visible()
    staff.goto(base + "/secretariat/editions/2027/decisions")
    staff.get_by_role("button", name="Confirm the shortlist").click()
    staff.get_by_role("button", name="Confirm the shortlist").click()  # on its confirmation page
    expect(staff.get_by_role("heading", name="Confirmed shortlist")).to_be_visible()
    staff.get_by_role("button", name="Start the final round").click()
    staff.get_by_role("button", name="Start the final round").click()
    expect(staff.locator(".state-line")).to_contain_text("final jury round")

    # Round 2: the jurors come back with the link from the e-mail that says the round is open.
    receipts_2 = {}
    for first, _, email, _ in JURORS:
        page = jurors[first]
        page.goto(base + mail.link(email, "/ballot/link/"))
        expect(page.locator(".lead")).to_contain_text("Final round")
        receipts_2[first] = _score_and_submit(page, ROUND_2[first])
    assert receipts_2["Lena"] in mail.text("lena@example.org", "receipt")

    # The secretariat records the proposed winners, decides and publishes.
    staff.goto(base + "/secretariat/editions/2027/decisions")
    staff.get_by_role("button", name="Record the winners").click()
    expect(staff.get_by_role("heading", name="Recorded")).to_be_visible()
    staff.get_by_role("button", name="Decide").click()
    staff.get_by_role("button", name="Decide and e-mail the applicants").click()
    expect(staff.locator(".state-line")).to_contain_text("decided")
    amra.goto(base + "/editions/2027/results")
    expect(amra.get_by_role("heading", level=1)).to_have_text("Page not found")  # embargo
    staff.get_by_role("button", name="Publish the results now").click()
    staff.get_by_label("Type the edition's year, 2027", exact=False).fill("2027")
    staff.get_by_role("button", name="Publish the results now, for good").click()
    expect(staff.locator(".state-line")).to_contain_text("published")

    # The public results name the winner; Lena checks her final-round receipt.
    public = amra
    public.goto(base + "/editions/2027/results")
    winners = public.locator("section", has=public.get_by_role("heading", name="Winners"))
    expect(winners).to_contain_text("Street theatre against drugs")
    public.get_by_label("Receipt code").fill(receipts_2["Lena"])
    public.get_by_role("button", name="Check my receipt").click()
    expect(public.get_by_text("Counted.", exact=True)).to_be_visible()
    expect(public.get_by_text("among the counted ballots of the final round")).to_be_visible()
    public.get_by_label("Receipt code").fill(receipts_1["Omar"])
    public.get_by_role("button", name="Check my receipt").click()
    expect(public.get_by_text("among the counted ballots of the first round")).to_be_visible()

    with live_server.database.read() as session:
        edition = session.exec(select(Edition)).one()
        apps = session.exec(select(Application)).all()
    assert edition.state is EditionState.published
    assert sorted((a.reference, a.language, a.status) for a in apps) == [
        ("EDPP-2027-0001", "en", ApplicationStatus.eligible),
        ("EDPP-2027-0002", "fr", ApplicationStatus.eligible),
    ]
    for page in (staff, amra, claire, *jurors.values()):
        assert [e for e in page.console_errors if "status of 4" not in e] == []
        page.context.close()


# --------------------------------------------------------------------------- people


def _phone(browser, locale: str):
    return _browse(browser, locale, PHONE)


def _browse(browser, locale: str, viewport: dict[str, int]):
    """A page in its own browser context (its own cookies), console errors collected."""
    phone = viewport == PHONE
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        locale=locale,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    return page


def _apply_in_english(page, base: str, mail: Mail) -> None:
    page.goto(base + "/")
    page.get_by_role("link", name="Apply now").click()
    page.get_by_label("Your e-mail address").fill(AMRA)
    page.get_by_label("Project title").fill("Street theatre against drugs")
    page.get_by_role("button", name="Start my application").click()
    expect(page.get_by_text(f"We have e-mailed its link to {AMRA}", exact=False)).to_be_visible()
    page.goto(base + mail.link(AMRA, "/apply/link/"))  # confirms the address
    page.get_by_role("link", name="Show the whole form on one page").click()
    page.get_by_label("Organisation running the project").fill("Youth Theatre Sarajevo")
    page.get_by_label("Country where the project mainly runs").select_option("BA")
    page.get_by_label("Number of young people under 25 taking part").fill("120")
    page.get_by_label("Number of adults taking part").fill("8")
    page.get_by_label("Start date").fill("2024-09-01")
    page.get_by_role("group", name="Is the project still running?").get_by_label("Yes").check()
    page.get_by_label("Applicant's name").fill("Amra Hodžić")
    page.get_by_label("Postal address").fill("Ulica 1\n71000 Sarajevo")
    page.get_by_label("Telephone").fill("+387 33 123 456")
    page.get_by_label("Applicant's e-mail address").fill(AMRA)
    page.get_by_label("Person who can discuss the project").fill("Amra Hodžić")
    page.get_by_label("That person's e-mail address").fill(AMRA)
    page.get_by_label("Prevention goals").fill("Young people choose healthy lives without drugs.")
    page.get_by_label("Summary of the project").fill("Young people perform street plays.")
    page.get_by_label("How young people participate").fill("They write, act and evaluate.")
    for question in (
        "the project's strategy",
        "its structures and decision-making",
        "its activities",
        "its evaluation",
    ):
        group = page.get_by_role("group", name=f"Are young people involved in {question}")
        group.get_by_label("Yes").check()
    for how in (
        "in the strategy",
        "in structures and decision-making",
        "in the activities",
        "in the evaluation",
    ):
        page.get_by_label(f"How are they involved {how}").fill("They decide together.")
    page.get_by_label("I agree that the Council of Europe processes").check()
    page.get_by_label("title, organisation and country may be published").check()
    page.get_by_label("its summary (section C) may be published").check()
    page.get_by_role("button", name="Continue to check your answers").click()
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator(".reference")).to_have_text("EDPP-2027-0001")


def _apply_in_french(page, base: str, mail: Mail) -> None:
    """Claire's browser asks for French; the form's fields are found by their ids."""
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("main a[href='/apply']").first.click()
    page.locator("#email").fill(CLAIRE)
    page.locator("#title").fill("Café du vendredi")
    page.locator("#language").select_option("fr")
    page.locator("form[action='/apply'] button[type=submit]").click()
    page.wait_for_url("**/tasks")  # the draft opens at once, on its task list
    page.goto(base + mail.link(CLAIRE, "/apply/link/"))  # confirms the address
    page.wait_for_url("**/tasks")
    page.goto(page.url.removesuffix("/tasks"))  # the whole form on one page
    expect(page.locator("#title")).to_have_value("Café du vendredi")
    form_path = urlsplit(page.url).path
    for field, value in {
        "organisation": "Jeunes solidaires",
        "young_people": "35",
        "adults": "3",
        "start_date": "2025-01-15",
        "applicant_name": "Claire Martin",
        "address": "1 rue de la Paix\n75002 Paris",
        "phone": "+33 1 23 45 67 89",
        "contact_email": CLAIRE,
        "contact_person": "Claire Martin",
        "contact_person_email": CLAIRE,
        "goals": "Des jeunes bénévoles préviennent l'usage de drogues.",
        "summary": "Chaque vendredi, des jeunes rencontrent d'autres jeunes autour d'un café.",
        "participation": "Les jeunes animent les rencontres et évaluent le projet.",
    }.items():
        page.locator(f"#{field}").fill(value)
    page.locator("#country_main").select_option("FR")
    page.locator("input[name=still_running][value=yes]").check()
    for part in ("strategy", "structures", "activities", "evaluation"):
        page.locator(f"input[name=inv_{part}][value=yes]").check()
        page.locator(f"#inv_{part}_how").fill("Ils décident ensemble.")
    page.locator("#consent_processing").check()
    page.locator("#consent_publication").check()
    page.locator("button[value=save]").click()
    page.locator("a[href$='/files?then=form']").first.click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "bilan.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}]
    )
    page.locator("form[action$='/files?then=form'] button[type=submit]").click()
    expect(page.locator("ul.files")).to_contain_text("bilan.pdf")
    page.locator(f"main a[href='{form_path}']").first.click()
    page.locator("button[value=check]").click()
    page.locator("form[action$='/check'] button[type=submit]").click()
    expect(page.locator(".reference")).to_have_text("EDPP-2027-0002")


def _score_and_submit(page, scores: dict[str, tuple[int, int] | None]) -> str:
    """Score each project on the ballot from the list, submit, and read the receipt code."""
    for title, marks in scores.items():
        if marks is None:
            continue
        page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
        for criterion, mark in zip(("Innovation", "Youth participation"), marks, strict=True):
            page.get_by_role("group", name=re.compile(f"^{criterion}")).get_by_role(
                "radio", name=str(mark), exact=True
            ).check()
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
        page.get_by_role("link", name="Back to your ballot").click()
    page.get_by_role("link", name="Review and submit").click()
    page.get_by_role("button", name="Submit my ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot is submitted")
    code: str = page.locator("#receipt-code").inner_text()
    page.get_by_role("link", name="Back to your ballot").click()
    return code
