"""The whole applicant journey in Chromium at a phone's size: start, open the e-mailed link, fill
every field of the whole form on one page by its label, attach a PDF, submit, and read the reference; axe-core on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import col, select

from prize.models import OutboxMessage
from tests.applykit import make_call, tiny_pdf
from tests.browserkit import assert_accessible, html

pytestmark = pytest.mark.browser


def the_link_in_the_outbox(database) -> str:
    with database.read() as session:
        message = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "application_link")
            .order_by(col(OutboxMessage.id).desc())
        ).first()
    assert message is not None
    match = re.search(r"(/apply/link/\S+)", message.body)
    assert match
    return match.group(1)


def test_an_applicant_applies_on_a_phone(live_server, phone):
    page = phone
    make_call(live_server.database, live_server.clock())

    page.goto(live_server.url + "/")
    assert_accessible(page)
    page.get_by_role("link", name="Apply now").click()
    page.wait_for_url("**/apply")
    assert_accessible(page)
    page.get_by_label("Your e-mail address").fill("amra@example.org")
    page.get_by_label("Project title").fill("Street theatre against drugs")
    page.get_by_role("button", name="Start my application").click()
    page.wait_for_url(re.compile(r".*/apply/\d+/tasks$"))
    assert "We have e-mailed its link to amra@example.org" in html(page)
    assert_accessible(page)

    page.goto(live_server.url + the_link_in_the_outbox(live_server.database))
    page.wait_for_url(re.compile(r".*/apply/\d+/tasks$"))
    assert "/link/" not in page.url
    page.get_by_role("link", name="Show the whole form on one page").click()
    page.wait_for_url(re.compile(r".*/apply/\d+$"))
    assert page.get_by_label("Project title").input_value() == "Street theatre against drugs"
    assert_accessible(page)

    # A. The project
    page.get_by_label("Organisation running the project").fill("Youth Theatre Sarajevo")
    page.get_by_label("Country where the project mainly runs").select_option("BA")
    others = page.get_by_role("group", name="Other countries where it runs")
    others.get_by_label("Filter the list").fill("cro")
    expect(others.get_by_label("Serbia")).to_be_hidden()
    others.get_by_label("Croatia").check()
    others.get_by_label("Filter the list").fill("ser")
    others.get_by_label("Serbia").check()
    page.get_by_label("Number of young people under 25 taking part").fill("120")
    page.get_by_label("Number of adults taking part").fill("8")
    page.get_by_label("Start date").fill("2024-09-01")
    page.get_by_role("group", name="Is the project still running?").get_by_label("Yes").check()
    # B. Contacts
    page.get_by_label("Applicant's name").fill("Amra Hodžić")
    page.get_by_label("Postal address").fill("Ulica 1\n71000 Sarajevo")
    page.get_by_label("Telephone").fill("+387 33 123 456")
    page.get_by_label("Applicant's e-mail address").fill("contact@example.org")
    page.get_by_label("Website").fill("https://theatre.example.org")
    page.get_by_label("Social media pages").fill("https://social.example.org/theatre")
    page.get_by_label("Person who can discuss the project").fill("Amra Hodžić")
    page.get_by_label("That person's e-mail address").fill("amra@example.org")
    # C. Description
    page.get_by_label("Prevention goals").fill("Young people choose healthy lives.")
    page.get_by_label("Summary of the project").fill("Young people perform street plays.")
    page.get_by_label("How young people participate").fill("They write and perform the plays.")
    for question, how, answer in (
        ("the project's strategy", "in the strategy", "They set the yearly plan."),
        (
            "its structures and decision-making",
            "in structures and decision-making",
            "On the board.",
        ),
        ("its activities", "in the activities", "They perform."),
        ("its evaluation", "in the evaluation", ""),
    ):
        group = page.get_by_role("group", name=f"Are young people involved in {question}")
        group.get_by_label("Yes" if answer else "No").check()
        if answer:
            page.get_by_label(f"How are they involved {how}").fill(answer)
    page.get_by_label("Link 1").fill("https://video.example.org/play")
    page.get_by_label("I agree that the Council of Europe processes").check()
    page.get_by_label("title, organisation and country may be published").check()
    page.get_by_label("its summary (section C) may be published").check()
    words = page.locator('.word-count[data-for="goals"]')
    assert words.inner_text() == "5 of 100 words"
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert "Your draft is saved." in html(page)
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"^Files \(0 of 5\)")).click()
    page.wait_for_url("**/files?then=form")
    assert_accessible(page)
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "report.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}]
    )
    page.get_by_role("button", name="Attach the file").click()
    page.wait_for_load_state()
    assert "Attached: report.pdf" in html(page)
    assert_accessible(page)

    page.get_by_role("link", name="Back to the form").click()
    page.wait_for_url(re.compile(r".*/apply/\d+$"))
    assert page.get_by_label("Telephone").input_value() == "+387 33 123 456"
    page.get_by_role("button", name="Continue to check your answers").click()
    page.wait_for_url("**/check")
    assert_accessible(page)
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url("**/submitted")
    assert page.locator(".reference").inner_text() == "EDPP-2027-0001"
    assert "Your application has arrived. Its reference is EDPP-2027-0001." in html(page)
    assert_accessible(page)
    assert phone.console_errors == []
