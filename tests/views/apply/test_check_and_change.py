"""Check your answers before submitting, and a submitted application read as a summary with
"Change your application" as a step of its own."""

from __future__ import annotations

from datetime import timedelta

from prize.models import Application
from tests.appkit import csrf_of, refused_page, text_of
from tests.applykit import CALL_DEADLINE, SECTION_FIELDS, complete_form, post_form, stored


def test_continue_saves_and_opens_the_answers_with_change_links(applicant, sqlite_db):
    client, application = applicant
    response = post_form(client, application, **complete_form(), action="check")
    assert response.status_code == 303
    assert response.headers["location"] == f"/apply/{application.id}/check"
    page = client.get(response.headers["location"])
    assert "Check your answers before submitting" in page.text
    assert "Youth Theatre Sarajevo" in page.text
    assert (
        f'<a class="change" href="/apply/{application.id}/section/project?then=check#organisation">'
        'Change<span class="visually-hidden"> Organisation running the project</span></a>'
    ) in page.text
    assert f'href="/apply/{application.id}/section/description?then=check#goals"' in page.text
    assert (
        f'href="/apply/{application.id}/section/consents?then=check#consent_summary"' in page.text
    )


def test_a_change_link_opens_the_section_and_saving_comes_back_to_the_answers(applicant, sqlite_db):
    client, application = applicant
    post_form(client, application, **complete_form(), action="check")
    section = f"/apply/{application.id}/section/contacts?then=check"
    page = client.get(section)
    assert f'<a href="/apply/{application.id}/check">Back to check your answers</a>' in page.text
    assert f'action="/apply/{application.id}/section/contacts?then=check"' in page.text
    values = {
        name: value
        for name, value in complete_form(phone="+387 33 999 000").items()
        if name in SECTION_FIELDS["contacts"]
    }
    data = {**values, "section": "contacts", "csrf_token": csrf_of(client, section)}
    response = client.post(section, data=data)
    assert response.headers["location"] == f"/apply/{application.id}/check"
    page = client.get(response.headers["location"])
    assert "B. Contacts: saved." in page.text and "+387 33 999 000" in page.text
    assert stored(sqlite_db, application.id).phone == "+387 33 999 000"

    refused = client.post(section, data={**data, "phone": "call me"})
    assert refused.headers["location"].startswith(section + "&")
    page = client.get(refused.headers["location"])
    assert 'value="call me"' in page.text
    assert f'<a href="/apply/{application.id}/check">Back to check your answers</a>' in page.text
    assert stored(sqlite_db, application.id).phone == "+387 33 999 000"
    with sqlite_db.read() as session:
        assert session.get_one(Application, application.id).reference is None  # not yet


def test_submitting_from_the_check_page_gives_the_reference(applicant, sqlite_db):
    client, application = applicant
    post_form(client, application, **complete_form(), action="check")
    token = csrf_of(client, f"/apply/{application.id}/check")
    response = client.post(f"/apply/{application.id}/check", data={"csrf_token": token})
    assert response.headers["location"] == f"/apply/{application.id}/submitted"
    with sqlite_db.read() as session:
        assert session.get_one(Application, application.id).reference == "EDPP-2027-0001"


def test_continue_with_parts_missing_lists_them_all_and_stays_on_the_form(applicant):
    client, application = applicant
    page = post_form(
        client, application, **complete_form(organisation="", adults="2.5"), action="check"
    )
    page = refused_page(client, page)
    assert "Before you check your answers, complete or correct these:" in page.text
    assert "Not submitted" not in page.text  # the applicant did not try to submit
    assert '<a href="#organisation">Name the organisation that runs the project.</a>' in page.text
    assert "Number of adults taking part must be a whole number" in page.text


def test_the_error_summaries_in_french_say_what_happened_to_the_application(applicant):
    client, application = applicant
    client.cookies.set("lang", "fr")
    form = complete_form(organisation="")
    checked = refused_page(client, post_form(client, application, **form, action="check"))
    assert "Avant de vérifier vos réponses, complétez ou corrigez ces points\u00a0:" in (
        checked.text
    )
    submitted = refused_page(client, post_form(client, application, **form, action="submit"))
    assert "Non soumise\u00a0: corrigez ces réponses" in submitted.text  # une candidature


def test_the_check_page_submits_nothing_incomplete(applicant, sqlite_db):
    client, application = applicant
    token = csrf_of(client, f"/apply/{application.id}/check")
    page = client.post(f"/apply/{application.id}/check", data={"csrf_token": token})
    page = refused_page(client, page)
    assert '<a href="#organisation">Name the organisation that runs the project.</a>' in page.text
    with sqlite_db.read() as session:
        assert session.get_one(Application, application.id).reference is None


def test_the_check_page_after_the_deadline_goes_back_to_the_application(applicant, clock):
    client, application = applicant
    clock.set(CALL_DEADLINE + timedelta(minutes=1))
    response = client.get(f"/apply/{application.id}/check")
    assert response.status_code == 303
    assert response.headers["location"] == f"/apply/{application.id}"


def test_a_submitted_application_opens_as_a_summary_and_changes_as_a_step(applicant):
    client, application = applicant
    post_form(client, application, **complete_form(), action="submit")
    page = client.get(f"/apply/{application.id}")
    assert "Change your application" in page.text
    assert "<textarea" not in page.text and "Youth Theatre Sarajevo" in page.text
    form = client.get(f"/apply/{application.id}/change")
    assert 'name="organisation"' in form.text and 'value="Youth Theatre Sarajevo"' in form.text
    post_form(client, application, **complete_form(organisation="Youth Theatre Mostar"))
    page = client.get(f"/apply/{application.id}")  # a revision in progress: the form
    assert 'value="Youth Theatre Mostar"' in page.text and "Not resubmitted yet" in page.text


def test_the_start_page_refuses_every_field_at_once_in_page_order(client, open_call, sqlite_db):
    page = client.post(
        "/apply", data={"email": "nobody", "title": "", "csrf_token": csrf_of(client, "/apply")}
    )
    page = refused_page(client, page)
    summary = page.text.split('id="error-summary-title"')[1].split("</ul>")[0]
    assert summary.index('href="#email"') < summary.index('href="#title"')
    assert "Enter an e-mail address like name@example.org." in summary
    assert "Enter your project&#39;s title." in summary
    assert 'value="nobody"' in page.text
    assert "data-error-summary" in page.text


NOTHING_TO_SUBMIT = (
    "Your application is submitted, and nothing has changed since: there is nothing to submit."
)


def test_the_check_page_of_a_submitted_application_unchanged_leads_to_its_summary(applicant):
    """Back after submitting, or an old tab: nothing is offered to be submitted again."""
    client, application = applicant
    assert post_form(client, application, **complete_form(), action="submit").status_code == 303
    response = client.get(f"/apply/{application.id}/check")
    assert response.status_code == 303
    assert response.headers["location"] == f"/apply/{application.id}"
    page = text_of(client.get(response.headers["location"]).text)
    assert NOTHING_TO_SUBMIT in page
    assert "Change your application" in page  # the read-only summary
    assert "Check your answers before submitting" not in page
    assert "Submit the changes" not in page


def test_the_task_list_of_a_submitted_application_unchanged_says_there_is_nothing_to_submit(
    applicant,
):
    client, application = applicant
    post_form(client, application, **complete_form(), action="submit")
    page = client.get(f"/apply/{application.id}/tasks")
    assert NOTHING_TO_SUBMIT in text_of(page.text)
    assert "Every section is complete" not in page.text
    assert f'href="/apply/{application.id}/check"' not in page.text
    assert f'<a href="/apply/{application.id}">See your application</a>' in page.text

    post_form(client, application, **complete_form(adults="9"))  # a change: to submit again
    page = client.get(f"/apply/{application.id}/tasks")
    assert NOTHING_TO_SUBMIT not in text_of(page.text)
    assert "Every section is complete" in page.text
    check = client.get(f"/apply/{application.id}/check")
    assert check.status_code == 200 and "Submit the changes" in check.text


def answers_of(page) -> dict[str, str]:
    """Each answer of the check page as read, by its label (its "Change" link's words left out)."""
    import re

    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page.text, flags=re.S)
    return {
        text_of(label).strip(): text_of(re.sub(r'<a class="change".*?</a>', "", value)).strip()
        for label, value in pairs
    }


def test_the_check_page_says_which_answers_are_not_given(applicant):
    client, application = applicant
    post_form(
        client,
        application,
        **complete_form(
            end_date="", phone="", website="", contact_person_email="", adults="", link_1=""
        ),
    )
    page = client.get(f"/apply/{application.id}/check")
    answers = answers_of(page)
    for label in (
        "End date",
        "Telephone",
        "Website",
        "That person's e-mail address",
        "Number of adults taking part",
    ):
        assert answers[label] == "Not answered", label
    assert answers["Person who can discuss the project in English or French"] == "Amra Hodžić"
    assert answers["Telephone"] != answers["Applicant's e-mail address"]
    links = text_of(page.text.split(">Links")[1].split("</p>")[0])
    assert links.strip().endswith("Not answered")
    assert (
        f'href="/apply/{application.id}/section/contacts?then=check#contact_person_email"'
        in page.text
    )


def test_an_unanswered_question_reads_the_same_in_french(applicant):
    client, application = applicant
    post_form(client, application, **complete_form(phone="", still_running=""))
    client.cookies.set("lang", "fr")
    answers = answers_of(client.get(f"/apply/{application.id}/check"))
    assert answers["Téléphone"] == "Non renseigné"
    assert answers["Le projet est-il toujours en cours ?"] == "Non renseigné"
