"""Publication follows the applicants' consents (docs/design.md, "Contracts"): (1) title,
organisation and country, (2) the summary. Without (1) a decided project is "a project from
<country>", rank and score kept; a summary only with both. The form asks both, the secretariat
sees what each decided project lacks before publishing, and erasure keeps only consented text."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from sqlmodel import select

from prize import schema
from prize.domain import transitions
from prize.domain.privacy import personal_data
from prize.domain.results import published
from prize.domain.shared import audit
from prize.models import ActorKind, Application, ApplicationContent, ContentKind
from prize.storage import FolderStore
from tests import htmlpages
from tests.appkit import refused_page, text_of
from tests.jurykit import make_decided_edition

OFFICER = audit.Actor(ActorKind.staff, None)
# make_decided_edition: winners B (Israel), C (Portugal), A (Bosnia and Herzegovina); D (Lebanon)
# nominated; F (Belgium) a special mention from outside the shortlist.
A, B, C, D, F = 0, 1, 2, 3, 5
HIDDEN = {  # what must never be published
    C: ("Project C", "Organisation C", "Portugal's secret summary about Rua Augusta."),
    F: ("Project F", "Organisation F", "Belgium's secret summary about a Ghent school."),
}
A_SUMMARY = "Sarajevo's summary that was not agreed to publish."


def _consent(session, scored, index, *, publication, summary, summary_text):
    content = session.exec(
        select(ApplicationContent).where(
            ApplicationContent.application_id == scored.ids[index],
            ApplicationContent.kind == ContentKind.submitted,
        )
    ).one()
    content.consent_publication = publication
    content.consent_summary = summary
    content.summary = summary_text
    session.add(content)
    session.flush()


def _decided_with_gaps(session, clock):
    """Decided 2027: winner C and special mention F without consent (1) (C with consent (2)
    alone, which publishes nothing more); winner A with (1) but not (2); B and D with both."""
    scored = make_decided_edition(session, clock)
    _consent(session, scored, C, publication=False, summary=True, summary_text=HIDDEN[C][2])
    _consent(session, scored, F, publication=False, summary=False, summary_text=HIDDEN[F][2])
    _consent(session, scored, A, publication=True, summary=False, summary_text=A_SUMMARY)
    return scored


def _published_with_gaps(database, clock):
    with database.write() as session:
        scored = _decided_with_gaps(session, clock)
        transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
    return scored


def _assert_hidden(body: str) -> None:
    for title, organisation, summary in HIDDEN.values():
        assert title not in body and organisation not in body and summary not in body
    assert A_SUMMARY not in body


# --------------------------------------------------------------------------- domain (both engines)


def test_public_results_name_a_project_only_with_consent(db, clock) -> None:
    _published_with_gaps(db, clock)
    with db.read() as session:
        data = published.get_results(session=session, year=2027)
    b, c, a = data.winners
    assert (b.named, b.title, b.organisation, b.summary[:12]) == (
        True,
        "Project B",
        "Organisation B",
        "Young volunt",
    )
    assert (c.named, c.title, c.organisation, c.summary, c.country_code, c.rank) == (
        False,
        "",
        "",
        "",
        "PT",
        2,
    )
    assert c.score == 7.94  # the ranking stays whole and checkable (ROUND2_SCORES: 7.9378)
    assert (a.named, a.title, a.organisation, a.summary) == (
        True,
        "Project A",
        "Organisation A",
        "",
    )
    [f] = data.special_mentions
    assert (f.named, f.title, f.organisation, f.summary, f.score) == (False, "", "", "", None)


def test_results_json_and_csv_give_a_project_from_its_country_without_consent(db, clock) -> None:
    _published_with_gaps(db, clock)
    with db.read() as session:
        data = published.get_results(session=session, year=2027)
    document = data.as_json()
    assert document["winners"][1] == {
        "rank": 2,
        "reference": "EDPP-2027-0003",
        "title": "A project from Portugal",
        "organisation": "",
        "country": "Portugal",
        "country_code": "PT",
        "score": 7.94,  # C's final score, 7.9378 (tests/jurykit.py ROUND2_SCORES)
    }
    assert document["special_mentions"] == [
        {
            "rank": None,
            "reference": "EDPP-2027-0006",
            "title": "A project from Belgium",
            "organisation": "",
            "country": "Belgium",
            "country_code": "BE",
            "score": None,
        }
    ]
    rows = list(csv.DictReader(io.StringIO(data.as_csv())))
    assert [(r["award"], r["title"], r["organisation"], r["country"]) for r in rows] == [
        ("winner", "Project B", "Organisation B", "Israel"),
        ("winner", "A project from Portugal", "", "Portugal"),
        ("winner", "Project A", "Organisation A", "Bosnia and Herzegovina"),
        ("nominated", "Project D", "Organisation D", "Lebanon"),
        ("special_mention", "A project from Belgium", "", "Belgium"),
    ]
    _assert_hidden(str(document) + data.as_csv())


def test_consents_of_lists_every_decided_project_with_what_it_lacks(db, clock) -> None:
    with db.write() as session:
        scored = _decided_with_gaps(session, clock)
        checks = published.consents_of(session=session, edition=scored.edition)
    assert [(c.award.value, c.project.title, c.lacks_name, c.lacks_summary) for c in checks] == [
        ("winner", "Project B", False, False),
        ("winner", "Project C", True, False),
        ("winner", "Project A", False, True),
        ("nominated", "Project D", False, False),
        ("special_mention", "Project F", True, True),
    ]


def _erase(db, scored, index, tmp_path, now):
    with db.write() as session:
        app = session.get_one(Application, scored.ids[index])
        app.translation = {"title": "Title in English", "summary": "Summary in English"}
        session.add(app)
        personal_data.erase_application(
            session=session, application=app, actor=OFFICER, now=now, store=FolderStore(tmp_path)
        )
    with db.read() as session:
        app = session.get_one(Application, scored.ids[index])
        content = session.exec(
            select(ApplicationContent).where(ApplicationContent.application_id == app.id)
        ).one()
        return app, content


def test_erasure_keeps_only_the_text_consented_for_publication(db, clock, tmp_path) -> None:
    scored = _published_with_gaps(db, clock)
    app_c, c = _erase(db, scored, C, tmp_path, clock())  # consent (2) alone
    assert (c.title, c.organisation, c.summary, c.countries) == ("", "", "", ["PT"])
    assert app_c.translation == {}
    app_a, a = _erase(db, scored, A, tmp_path, clock())  # consent (1) alone
    assert (a.title, a.organisation, a.summary) == ("Project A", "Organisation A", "")
    assert app_a.translation == {"title": "Title in English"}
    app_b, b = _erase(db, scored, B, tmp_path, clock())  # both
    assert (b.title, b.organisation, b.summary[:12]) == (
        "Project B",
        "Organisation B",
        "Young volunt",
    )
    assert app_b.translation == {"title": "Title in English", "summary": "Summary in English"}
    for content in (a, b, c):  # never published: gone whatever the consents
        assert (content.goals, content.participation, content.website, content.links) == (
            "",
            "",
            "",
            [],
        )
        assert {answer["how"] for answer in content.involvement.values()} == {""}
        assert {answer["involved"] for answer in content.involvement.values()} == {True}
        assert (content.young_people, content.adults) == (40, 5)
    with db.read() as session:  # the published results stay whole
        data = published.get_results(session=session, year=2027)
        assert [w.public_title for w in data.winners] == [
            "Project B",
            "A project from Portugal",
            "Project A",
        ]
        assert audit.verify(session=session).ok


def test_existing_applications_keep_only_the_consent_they_gave(db) -> None:
    """A database from before the second consent: upgrading it leaves the summary unconsented,
    and the first consent as it was given."""
    from tests import factories

    with db.write() as session:
        edition = factories.edition(session=session, year=2020)
        app = factories.application(session=session, edition=edition, consent_summary=True)
    url = db.engine.url.render_as_string(hide_password=False)
    db.dispose()
    schema.downgrade(url, "0002")  # the column goes: the rows are as the first schema had them
    db.dispose()
    schema.upgrade(url, "head")
    db.dispose()
    with db.read() as session:
        old = session.exec(
            select(ApplicationContent).where(ApplicationContent.application_id == app.id)
        ).one()
    assert (old.title, old.consent_publication, old.consent_summary) == (
        "Intercity Theatre",
        True,
        False,
    )


# --------------------------------------------------------------------------- pages


@pytest.fixture
def gaps_2027(sqlite_db, clock, app):
    return _published_with_gaps(sqlite_db, clock)


def test_results_page_shows_a_project_from_its_country_without_consent(client, gaps_2027) -> None:
    page = client.get("/editions/2027/results")
    htmlpages.save("results_without_consents", page.text)
    words = text_of(page.text)
    winners = words[words.index("Winners") : words.index("Nominated projects")]
    assert "A project from Portugal Portugal · EDPP-2027-0003" in winners
    assert "Project A Bosnia and Herzegovina · Organisation A · EDPP-2027-0001" in winners
    assert "Certificate of a project from Portugal" in winners
    mention = words[words.index("Special mention") : words.index("The youth jury")]
    assert "A project from Belgium Belgium · EDPP-2027-0006" in mention
    assert "Winners: Project B (Israel); A project from Portugal; Project A (Bosnia" in page.text
    _assert_hidden(page.text)


def test_results_page_in_french_shows_a_project_from_its_country(client, gaps_2027) -> None:
    page = client.get("/editions/2027/results", headers={"Accept-Language": "fr"})
    words = text_of(page.text)
    assert "Un projet (Portugal)" in words
    assert "Un projet (Belgique)" in words
    assert "Certificat d'un projet (Portugal)" in words
    _assert_hidden(page.text)


def test_results_json_and_csv_responses_hold_no_unconsented_text(client, gaps_2027) -> None:
    data = client.get("/editions/2027/results.json").json()
    assert [w["title"] for w in data["winners"]] == [
        "Project B",
        "A project from Portugal",
        "Project A",
    ]
    assert data["winners"][1]["organisation"] == ""
    csv_text = client.get("/editions/2027/results.csv").text
    assert '"A project from Belgium"' in csv_text or ",A project from Belgium," in csv_text
    _assert_hidden(client.get("/editions/2027/results.json").text + csv_text)


def test_certificate_without_consent_names_no_title_or_organisation(client, gaps_2027) -> None:
    for language, name in (("en", "A project from Portugal"), ("fr", "Un projet (Portugal)")):
        cert = client.get(
            "/editions/2027/results/certificates/EDPP-2027-0003",
            headers={"Accept-Language": language},
        )
        assert name in text_of(cert.text)
        assert f'<meta property="og:title" content="{name} · ' in unescape(cert.text)
        _assert_hidden(cert.text)
    htmlpages.save("certificate_without_consent", cert.text)
    mention = client.get("/editions/2027/results/certificates/EDPP-2027-0006")
    assert "A project from Belgium" in text_of(mention.text)
    _assert_hidden(mention.text)
    named = text_of(client.get("/editions/2027/results/certificates/EDPP-2027-0001").text)
    assert "Project A" in named and "Organisation A · Bosnia" in named


def test_publish_confirmation_lists_the_consents_each_project_lacks(
    staff_client, sqlite_db, clock
) -> None:
    with sqlite_db.write() as session:
        _decided_with_gaps(session, clock)
    page = staff_client.get("/secretariat/editions/2027/decisions").text
    htmlpages.save("decisions_publish_consents", page)
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", page)))
    section = words[words.index("3. Publication") :]
    assert section.index("What each project agreed to publish") < section.index(
        "Publish the results now"
    )
    assert (
        "winner: EDPP-2027-0003 · Project C (Portugal) — no consent to publish its title, "
        "organisation and country: published as “A project from Portugal”" in section
    )
    assert (
        "winner: EDPP-2027-0001 · Project A (Bosnia and Herzegovina) — no consent to publish its "
        "summary: published with its title, organisation and country" in section
    )
    assert (
        "special mention: EDPP-2027-0006 · Project F (Belgium) — no consent to publish its title, "
        "organisation and country: published as “A project from Belgium”; no consent to publish "
        "its summary" in section
    )
    assert (
        "winner: EDPP-2027-0002 · Project B (Israel) — every consent given: published with its "
        "title, organisation, country and summary" in section
    )


# --------------------------------------------------------------------------- the form


def test_form_asks_both_publication_consents_and_keeps_them_on_error(applicant, sqlite_db) -> None:
    from tests.applykit import complete_form
    from tests.views.apply.test_pages import error_of, post_form, stored

    client, application = applicant
    page = client.get(f"/apply/{application.id}").text
    assert (
        "If the project is shortlisted, its title, organisation and country may be published."
        in page
    )
    assert "its summary (section C) may be published with its title." in page
    assert "“a project from” its main country" in page
    french = client.get(f"/apply/{application.id}", headers={"Accept-Language": "fr"}).text
    assert "son résumé (section C) peut être publié avec son titre" in unescape(french)
    page = post_form(
        client,
        application,
        **complete_form(consent_publication="", consent_summary="yes", phone="not a phone"),
    )
    page = refused_page(client, page)
    assert error_of(page, "phone") == "Telephone: enter a number like +33 3 88 41 20 00."
    assert re.search(r'id="consent_summary" name="consent_summary" value="yes" checked', page.text)
    assert not re.search(r'id="consent_publication"[^>]* checked', page.text)
    draft = stored(sqlite_db, application.id)
    assert (draft.consent_publication, draft.consent_summary) == (False, True)
    page = client.get(f"/apply/{application.id}").text  # and read back from the draft
    assert re.search(r'id="consent_summary" name="consent_summary" value="yes" checked', page)


def test_a_revision_and_its_submission_carry_the_summary_consent(applicant, sqlite_db) -> None:
    from tests.applykit import complete_form
    from tests.views.apply.test_pages import post_form, stored

    client, application = applicant
    post_form(client, application, **complete_form(consent_summary=""), action="submit")
    assert stored(sqlite_db, application.id, ContentKind.submitted).consent_summary is False
    post_form(client, application, **complete_form(consent_summary="yes"))
    assert stored(sqlite_db, application.id).consent_summary is True  # the revision
    assert stored(sqlite_db, application.id, ContentKind.submitted).consent_summary is False
    post_form(client, application, **complete_form(consent_summary="yes"), action="submit")
    assert stored(sqlite_db, application.id, ContentKind.submitted).consent_summary is True
