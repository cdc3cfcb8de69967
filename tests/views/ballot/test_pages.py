"""The juror's pages: onboarding, reading and scoring an application (plain posts and autosave),
submitting, the receipt, and the pages between rounds."""

from __future__ import annotations

import re

from sqlmodel import col, select

from prize import formats
from prize.domain.screening import screening
from prize.domain.shared import audit
from prize.models import Ballot, BallotStatus, Conflict, EditionState, Juror, Score
from tests import factories, htmlpages, jury_factories
from tests.appkit import csrf_of, refused_page
from tests.mailkit import body_of


def _welcome(client, first_name: str = "Lena"):
    """The welcome page sent with the name confirmed and the pledge accepted."""
    token = csrf_of(client, "/ballot/welcome")
    return client.post(
        "/ballot/welcome", data={"first_name": first_name, "pledge": "yes", "csrf_token": token}
    )


def _declare(client, **data: str):
    """The conflicts page sent with these fields (``conflict-<id>``, ``reason-<id>``, ``none``)."""
    return client.post(
        "/ballot/conflicts", data={**data, "csrf_token": csrf_of(client, "/ballot/conflicts")}
    )


def _onboard(client, conflicts: dict[int, str] | None = None) -> None:
    response = _welcome(client)
    assert response.headers["location"] == "/ballot"
    data: dict[str, str] = {}
    if conflicts:
        for app_id, reason in conflicts.items():
            data[f"conflict-{app_id}"] = "yes"
            data[f"reason-{app_id}"] = reason
    else:
        data["none"] = "yes"
    response = _declare(client, **data)
    assert response.status_code == 303, response.text


def _scores(db) -> dict[tuple[int, int], int]:
    with db.read() as session:
        return {
            (s.application_id, s.criterion_id): s.value
            for s in session.exec(select(Score).order_by(col(Score.id)))
        }


def _declared_conflicts(db, jury):
    """When the juror finished declaring conflicts, and the applications of their conflicts."""
    with db.read() as session:
        juror = session.get_one(Juror, jury.jurors[0].id)
        rows = session.exec(select(Conflict).where(Conflict.juror_id == juror.id)).all()
        return juror.conflicts_declared_at, [c.application_id for c in rows]


def _form(jury, values, **extra):
    data = {f"score-{c.id}": str(v) for c, v in zip(jury.criteria, values, strict=True)}
    data.update(extra)
    return data


def _post_scores(client, jury, app_index, values, **extra):
    reference = jury.applications[app_index].reference
    path = f"/ballot/applications/{reference}"
    data = _form(jury, values, csrf_token=csrf_of(client, path), comment="", abstain_reason="")
    data.update(extra)
    return client.post(path, data=data)


# --------------------------------------------------------------------------- onboarding


def test_onboarding_refuses_without_the_pledge_and_keeps_the_name(juror_client, sqlite_db, jury):
    token = csrf_of(juror_client, "/ballot/welcome")
    page = juror_client.post("/ballot/welcome", data={"first_name": "Lenna", "csrf_token": token})
    page = refused_page(juror_client, page)
    assert 'id="pledge-error">Accept the pledge to continue.' in page.text
    assert 'value="Lenna"' in page.text
    with sqlite_db.read() as session:
        juror = session.get_one(Juror, jury.jurors[0].id)
    assert (juror.first_name, juror.pledge_accepted_at) == ("Lena", None)


def test_onboarding_refuses_an_empty_first_name(juror_client, sqlite_db, jury):
    token = csrf_of(juror_client, "/ballot/welcome")
    page = juror_client.post(
        "/ballot/welcome", data={"first_name": " ", "pledge": "yes", "csrf_token": token}
    )
    page = refused_page(juror_client, page)
    assert 'id="first_name-error">Give your first name.' in page.text
    with sqlite_db.read() as session:
        juror = session.get_one(Juror, jury.jurors[0].id)
    assert (juror.first_name, juror.pledge_accepted_at) == ("Lena", None)


def test_onboarding_confirms_the_name_then_asks_for_conflicts(juror_client, sqlite_db, jury):
    _welcome(juror_client, first_name="Lena M.")
    page = juror_client.get("/ballot", follow_redirects=True)
    assert page.url.path == "/ballot/conflicts"
    assert "Intercity Theatre" in page.text
    htmlpages.save("ballot_conflicts", page.text)
    with sqlite_db.read() as session:
        juror = session.get_one(Juror, jury.jurors[0].id)
    assert juror.first_name == "Lena M."
    assert juror.pledge_accepted_at is not None


def test_conflict_without_a_reason_is_refused_with_the_ticks_kept(juror_client, sqlite_db, jury):
    _welcome(juror_client)
    app_id = jury.applications[1].id
    page = _declare(juror_client, **{f"conflict-{app_id}": "yes"})
    page = refused_page(juror_client, page)
    assert f'id="reason-{app_id}-error">Say what connects you to this project.' in page.text
    assert re.search(rf'id="conflict-{app_id}"[^>]*checked', page.text)
    assert _declared_conflicts(sqlite_db, jury) == (None, [])


def test_conflicts_and_none_together_are_refused(juror_client, sqlite_db, jury):
    _welcome(juror_client)
    app_id = jury.applications[1].id
    page = _declare(
        juror_client, **{f"conflict-{app_id}": "yes", f"reason-{app_id}": "Friend", "none": "yes"}
    )
    page = refused_page(juror_client, page)
    assert "choose one or the other" in page.text
    assert 'value="Friend"' in page.text
    assert _declared_conflicts(sqlite_db, jury) == (None, [])


def test_a_declared_conflict_leaves_the_ballot(juror_client, jury):
    conflicted = jury.applications[1]
    _onboard(juror_client, {conflicted.id: "My sister volunteers there"})
    page = juror_client.get("/ballot")
    assert "0 of 2 scored" in page.text
    # Listed as a conflict, not as a project to score: no link to it.
    assert f"/ballot/applications/{conflicted.reference}" not in page.text
    assert re.search(
        rf"{conflicted.reference}</span> <span [^>]*>Conflict of interest: not on your ballot",
        page.text,
    )
    # Its address (an old tab, a bookmark) says why, on a ballot page that leads back.
    hidden = juror_client.get(f"/ballot/applications/{conflicted.reference}")
    assert hidden.status_code == 404
    assert "<h1>Not on your ballot</h1>" in hidden.text
    assert (
        "This project is not on your ballot. You declared a conflict of interest with it, so you "
        "do not score it."
    ) in hidden.text
    assert '<a class="button primary" href="/ballot">Back to your ballot</a>' in hidden.text
    assert "Friday Coffee Project" not in hidden.text  # the conflicted project's title
    htmlpages.save("ballot_not_on_ballot", hidden.text)


def test_a_conflict_declared_after_submitting_is_warned_of_and_listed(
    juror_client, sqlite_db, jury
):
    _onboard(juror_client)
    for i in range(3):
        _post_scores(juror_client, jury, i, [5, 6])
    juror_client.post(
        "/ballot/submit", data={"csrf_token": csrf_of(juror_client, "/ballot/submit")}
    )
    conflicted = jury.applications[1]
    page = juror_client.get("/ballot/conflicts")
    assert (
        '<p class="notice warn">Your ballot is already submitted. If you declare a conflict of '
        "interest with a project now, your scores for it are taken out of your counted ballot."
    ) in page.text
    htmlpages.save("ballot_conflicts_after_submitting", page.text)
    _declare(juror_client, **{f"conflict-{conflicted.id}": "yes", f"reason-{conflicted.id}": "X"})
    page = juror_client.get("/ballot")
    assert "2 of 2 scored" in page.text
    assert "Your ballot is submitted." in page.text
    # The project that left the ballot is named, as on a draft's list.
    assert re.search(
        rf"{conflicted.reference}</span> <span [^>]*>Conflict of interest: not on your ballot",
        page.text,
    )
    assert _declared_conflicts(sqlite_db, jury)[1] == [conflicted.id]


def test_ballot_page_shows_progress_without_inline_style(juror_client, jury, clock):
    _onboard(juror_client)
    page = juror_client.get("/ballot")
    closes = jury_factories.SHORTLIST_CLOSES
    assert f"Hello Lena. The round closes on {formats.deadline(closes, 'en')}." in page.text
    assert f"Time left: {formats.left(closes, clock(), 'en')}" in page.text  # beside the date
    assert "0 of 3 scored" in page.text
    assert '<progress id="ballot-progress" value="0" max="3"' in page.text
    assert "style=" not in page.text
    htmlpages.save("ballot_home", page.text)


# --------------------------------------------------------------------------- reading and scoring


def test_application_is_readable_in_full_with_its_translation_and_files(
    juror_client, sqlite_db, clock, jury, settings
):
    with sqlite_db.write() as session:
        edition = session.merge(jury.edition)
        french = factories.application(
            session=session,
            edition=edition,
            status=factories.ApplicationStatus.eligible,
            language="fr",
            title="Radio des pairs",
            summary="Des lycéens produisent une émission de radio.",
            attachments=[("rapport.pdf", factories.PDF)],
            storage_dir=settings.storage_dir,
        )
        edition.state = EditionState.screening
        screening.set_translation(
            session=session,
            application=french,
            texts={"summary": "Secondary pupils produce a radio programme."},
            actor=audit.SYSTEM,
            now=clock(),
        )
        edition.state = EditionState.shortlisting
    _onboard(juror_client)
    page = juror_client.get(f"/ballot/applications/{french.reference}")
    assert "Radio des pairs" in page.text
    assert "Des lycéens produisent une émission de radio." in page.text
    assert "Secondary pupils produce a radio programme." in page.text
    assert "English translation" in page.text
    assert factories.GOALS in page.text
    assert "New ideas in content or method." in page.text  # the criterion's description
    htmlpages.save("ballot_application", page.text)
    link = re.search(r'href="(/ballot/applications/[^"]+/files/\d+)"', page.text)
    assert link
    download = juror_client.get(link.group(1))
    assert download.content == factories.PDF
    assert download.headers["content-disposition"].startswith("attachment;")


def test_a_file_of_another_application_is_not_served(juror_client, sqlite_db, jury, settings):
    with sqlite_db.write() as session:
        other = factories.application(
            session=session,
            edition=session.merge(jury.edition),
            status=factories.ApplicationStatus.ineligible,
            attachments=[("secret.pdf", factories.PDF)],
            storage_dir=settings.storage_dir,
        )
        from prize.domain.applicants import attachments

        (hidden,) = attachments.submitted_files(session=session, application=other)
    _onboard(juror_client)
    reference = jury.applications[0].reference
    response = juror_client.get(f"/ballot/applications/{reference}/files/{hidden.id}")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text
    assert factories.PDF not in response.content
    page = juror_client.get(f"/ballot/applications/{other.reference}")
    assert page.status_code == 404
    assert "This project is not on your ballot. Check the address, or choose a project" in page.text
    assert "secret.pdf" not in page.text


def test_plain_form_post_saves_the_scores(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    response = _post_scores(juror_client, jury, 0, [7, 8], comment="Inspiring")
    assert response.status_code == 303
    page = juror_client.get(response.headers["location"])
    assert "Saved." in page.text
    assert 'value="7"' in page.text and 'value="8"' in page.text
    assert "Inspiring" in page.text
    app, (c1, c2) = jury.applications[0].id, (c.id for c in jury.criteria)
    assert _scores(sqlite_db) == {(app, c1): 7, (app, c2): 8}


def test_save_and_next_goes_to_the_next_unfinished_project(juror_client, jury):
    _onboard(juror_client)
    response = _post_scores(juror_client, jury, 0, [7, 8], next="yes")
    assert response.headers["location"] == f"/ballot/applications/{jury.applications[1].reference}"


def test_a_blank_field_in_a_plain_post_changes_nothing(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    _post_scores(juror_client, jury, 0, [7, 8])
    _post_scores(juror_client, jury, 0, ["", 9])  # a stale page from another device
    app, (c1, c2) = jury.applications[0].id, (c.id for c in jury.criteria)
    assert _scores(sqlite_db) == {(app, c1): 7, (app, c2): 9}


def test_value_outside_the_scale_is_refused_beside_the_field_and_kept(
    juror_client, sqlite_db, jury
):
    _onboard(juror_client)
    c1, c2 = (c.id for c in jury.criteria)
    page = _post_scores(juror_client, jury, 0, [12, 6])
    page = refused_page(juror_client, page)
    assert f'id="score-{c1}-error">Give a whole number from 0 to 10. You sent: 12</p>' in page.text
    assert f'name="score-{c2}" value="6" checked>' in page.text  # the valid one stays chosen
    assert "The other fields were saved." in page.text
    assert _scores(sqlite_db) == {(jury.applications[0].id, c2): 6}
    htmlpages.save("ballot_application_error", page.text)


def test_text_that_is_not_a_number_is_refused_and_kept(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    c1 = jury.criteria[0].id
    page = _post_scores(juror_client, jury, 0, ["seven", ""])
    page = refused_page(juror_client, page)
    assert (
        f'id="score-{c1}-error">Give a whole number from 0 to 10. You sent: seven</p>' in page.text
    )
    assert _scores(sqlite_db) == {}


def test_abstaining_without_a_reason_is_refused(juror_client, jury):
    _onboard(juror_client)
    page = _post_scores(juror_client, jury, 0, ["", ""], abstain="yes")
    page = refused_page(juror_client, page)
    assert 'id="abstain_reason-error">Say why you abstain on this project.' in page.text


def test_save_after_the_round_closed_is_refused_and_the_scores_stay(
    juror_client, sqlite_db, clock, jury
):
    _onboard(juror_client)
    _post_scores(juror_client, jury, 0, [7, 8])
    reference = jury.applications[0].reference
    token = csrf_of(juror_client, f"/ballot/applications/{reference}")
    clock.set(jury_factories.SHORTLIST_CLOSES)
    page = juror_client.post(
        f"/ballot/applications/{reference}", data={**_form(jury, [1, 1]), "csrf_token": token}
    )
    page = refused_page(juror_client, page)
    closed = formats.deadline(
        jury_factories.SHORTLIST_CLOSES, "en"
    )  # its last minute: 21:59 in Paris
    assert f"The round closed on {closed}: this was not saved." in page.text
    assert set(_scores(sqlite_db).values()) == {7, 8}


def test_post_with_a_stale_token_is_offered_again_and_saves_nothing(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    reference = jury.applications[0].reference
    page = juror_client.post(
        f"/ballot/applications/{reference}",
        data={**_form(jury, [7, 8]), "csrf_token": "stale"},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 403
    assert "Please send again" in page.text
    assert f'name="score-{jury.criteria[0].id}" value="7"' in page.text
    assert _scores(sqlite_db) == {}


# --------------------------------------------------------------------------- autosave


def _autosave(client, jury, app_index=0, **fields):
    reference = jury.applications[app_index].reference
    token = csrf_of(client, f"/ballot/applications/{reference}")
    return client.post(
        f"/ballot/applications/{reference}/save", data={"csrf_token": token, **fields}
    )


def test_autosave_saves_one_field_and_answers_in_json(juror_client, sqlite_db, clock, jury):
    _onboard(juror_client)
    c1 = jury.criteria[0].id
    response = _autosave(juror_client, jury, **{f"score-{c1}": "6"})
    assert response.status_code == 200
    saved_at = formats.clock(clock.now, "en")  # the time of the save, in Paris
    assert response.json() == {
        "message": f"Saved at {saved_at}",
        "saved": True,
        "errors": {},
        "progress": {"done": 0, "total": 3},
        "saved_at": saved_at,
    }
    assert _scores(sqlite_db) == {(jury.applications[0].id, c1): 6}


def test_autosave_refuses_a_value_outside_the_scale_with_the_fields_message(
    juror_client, sqlite_db, jury
):
    _onboard(juror_client)
    c1, c2 = (c.id for c in jury.criteria)
    response = _autosave(juror_client, jury, **{f"score-{c1}": "99", f"score-{c2}": "3"})
    assert response.status_code == 400
    assert response.json()["errors"] == {f"score-{c1}": "Give a whole number from 0 to 10."}
    assert _scores(sqlite_db) == {(jury.applications[0].id, c2): 3}


def test_autosave_takes_the_token_of_any_ballot_page(juror_client, jury):
    _onboard(juror_client)
    c1 = jury.criteria[0].id
    response = juror_client.post(
        f"/ballot/applications/{jury.applications[0].reference}/save",
        data={f"score-{c1}": "5", "csrf_token": csrf_of(juror_client, "/ballot")},
    )
    assert response.json()["saved"] is True


def test_autosave_after_the_round_closed_is_refused(juror_client, sqlite_db, clock, jury):
    _onboard(juror_client)
    c1 = jury.criteria[0].id
    _autosave(juror_client, jury, **{f"score-{c1}": "6"})
    reference = jury.applications[0].reference
    token = csrf_of(juror_client, f"/ballot/applications/{reference}")
    clock.set(jury_factories.SHORTLIST_CLOSES)
    response = juror_client.post(
        f"/ballot/applications/{reference}/save", data={"csrf_token": token, f"score-{c1}": "2"}
    )
    assert response.status_code == 409
    assert response.json()["saved"] is False
    assert "this was not saved" in response.json()["message"]
    assert _scores(sqlite_db) == {(jury.applications[0].id, c1): 6}


ONBOARDING_FIRST = (
    "Nothing was saved: first confirm your first name, accept the pledge and declare any "
    "conflict of interest."
)


def test_autosave_before_onboarding_saves_nothing_and_says_why(juror_client, sqlite_db, jury):
    c1 = jury.criteria[0].id
    response = juror_client.post(
        f"/ballot/applications/{jury.applications[0].reference}/save",
        data={f"score-{c1}": "9", "csrf_token": csrf_of(juror_client, "/ballot/welcome")},
    )
    assert response.status_code == 403
    assert response.json() == {"message": ONBOARDING_FIRST, "saved": False, "step": "welcome"}
    assert _scores(sqlite_db) == {}
    with sqlite_db.read() as session:
        assert session.exec(select(Ballot)).all() == []


def test_autosave_before_the_conflicts_are_declared_saves_nothing(juror_client, sqlite_db, jury):
    _welcome(juror_client)  # name and pledge, but no declaration of conflicts yet
    c1 = jury.criteria[0].id
    path = f"/ballot/applications/{jury.applications[0].reference}/save"
    token = csrf_of(juror_client, "/ballot/conflicts")
    refused = juror_client.post(path, data={f"score-{c1}": "9", "csrf_token": token})
    assert (refused.status_code, refused.json()["step"]) == (403, "conflicts")
    assert _scores(sqlite_db) == {}
    _declare(juror_client, none="yes")
    saved = juror_client.post(path, data={f"score-{c1}": "9", "csrf_token": token})
    assert saved.json()["saved"] is True
    assert _scores(sqlite_db) == {(jury.applications[0].id, c1): 9}


def test_autosave_without_a_session_answers_401_in_json(client, jury):
    response = client.post(
        f"/ballot/applications/{jury.applications[0].reference}/save", data={"score-1": "5"}
    )
    assert response.status_code == 401
    assert response.json()["saved"] is False


def test_autosave_without_csrf_is_refused(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    response = juror_client.post(
        f"/ballot/applications/{jury.applications[0].reference}/save",
        data={f"score-{jury.criteria[0].id}": "5"},
    )
    assert response.status_code == 403
    assert _scores(sqlite_db) == {}


def test_autosave_blank_clears_and_abstention_saves_with_its_reason(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    c1 = jury.criteria[0].id
    _autosave(juror_client, jury, **{f"score-{c1}": "6"})
    _autosave(juror_client, jury, **{f"score-{c1}": ""})
    assert _scores(sqlite_db) == {}
    response = _autosave(juror_client, jury, abstain="yes", abstain_reason="I know the team")
    assert response.json()["progress"] == {"done": 1, "total": 3}


# --------------------------------------------------------------------------- submitting


def test_incomplete_ballot_cannot_be_submitted(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    _post_scores(juror_client, jury, 0, [7, 8])
    page = juror_client.get("/ballot/submit")
    assert "Still to do:" in page.text
    assert jury.applications[1].reference in page.text
    assert "Submit my ballot" not in page.text
    page = juror_client.post(
        "/ballot/submit", data={"csrf_token": csrf_of(juror_client, "/ballot")}
    )
    page = refused_page(juror_client, page)
    assert "Your ballot is not complete: 2 projects still need a score" in page.text
    with sqlite_db.read() as session:
        assert session.exec(select(Ballot.status)).one() is BallotStatus.draft


def test_complete_ballot_submits_shows_and_emails_the_receipt(
    juror_client, sqlite_db, clock, smtp, jury
):
    _onboard(juror_client)
    _post_scores(juror_client, jury, 0, [7, 8])
    _post_scores(juror_client, jury, 1, ["", ""], abstain="yes", abstain_reason="I know them")
    _post_scores(juror_client, jury, 2, [3, 10])
    review = juror_client.get("/ballot/submit")
    assert "Submit my ballot" in review.text
    htmlpages.save("ballot_submit", review.text)
    response = juror_client.post(
        "/ballot/submit", data={"csrf_token": csrf_of(juror_client, "/ballot/submit")}
    )
    assert response.headers["location"] == "/ballot/receipt"
    page = juror_client.get("/ballot/receipt")
    code = re.search(r'id="receipt-code">([A-Z2-7]{10})<', page.text)
    assert code
    htmlpages.save("ballot_receipt", page.text)
    smtp.deliver(sqlite_db, clock())
    (mail,) = [m for m in smtp.inbox.to("lena@example.org") if code.group(1) in m["Subject"]]
    assert f"Your receipt code: {code.group(1)}" in body_of(mail)
    # Locked: the page shows the scores read-only, and a save is refused with the scores kept.
    page = juror_client.get(f"/ballot/applications/{jury.applications[0].reference}")
    assert (
        "Your ballot is submitted: it can no longer change. If it needs reopening, write to the "
        'secretariat at <a href="mailto:secretariat@example.org">secretariat@example.org</a>.'
    ) in page.text
    refused = _autosave(juror_client, jury, **{f"score-{jury.criteria[0].id}": "1"})
    assert refused.status_code == 409
    assert refused.json()["message"] == (
        "Your ballot is submitted, so it can no longer change: this was not saved. If it needs "
        "reopening, write to the secretariat at secretariat@example.org."
    )
    assert _scores(sqlite_db)[(jury.applications[0].id, jury.criteria[0].id)] == 7
    assert juror_client.get("/ballot/submit").headers["location"] == "/ballot/receipt"


def test_in_french_a_juror_remet_their_ballot_and_the_session_line_needs_no_elision(
    juror_client, jury
):
    _onboard(juror_client)
    for i in range(3):
        _post_scores(juror_client, jury, i, [5, 6])
    juror_client.post(
        "/ballot/submit", data={"csrf_token": csrf_of(juror_client, "/ballot/submit")}
    )
    token = csrf_of(juror_client, "/ballot")
    juror_client.post("/language", data={"lang": "fr", "next": "/ballot", "csrf_token": token})
    receipt, home = juror_client.get("/ballot/receipt").text, juror_client.get("/ballot").text
    assert "<h1>Votre bulletin est remis</h1>" in receipt
    assert "Votre bulletin est remis. Votre code de reçu est" in home
    # « Session de Élise » would need « d’Élise »: a form without elision, for every name.
    assert '<p class="who">Session\u00a0: Lena · <a href="/ballot/sign-out">' in home
    assert "déposé" not in receipt + home


def test_between_rounds_the_submitted_ballot_is_shown_read_only(
    juror_client, sqlite_db, clock, jury
):
    _onboard(juror_client)
    for i in range(3):
        _post_scores(juror_client, jury, i, [5, 6])
    juror_client.post(
        "/ballot/submit", data={"csrf_token": csrf_of(juror_client, "/ballot/submit")}
    )
    clock.set(jury_factories.SHORTLIST_CLOSES)
    page = juror_client.get("/ballot")
    assert "The first round has closed. Thank you." in page.text
    assert "Your ballot was submitted. Your receipt code is" in page.text
    assert "We will write to you when the final round opens." in page.text
    assert f"<dt>{jury.criteria[1].name_en}</dt><dd>6</dd>" in page.text
    assert "<input" not in page.text.split("<main", 1)[1].split("</main>", 1)[0].replace(
        'type="hidden"', ""
    ).replace('<input type="hidden"', "")
    htmlpages.save("ballot_waiting_between", page.text)


def test_final_round_shows_only_the_shortlist(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    with sqlite_db.write() as session:
        edition = session.merge(jury.edition)
        jury_factories.shortlist(
            session=session, edition=edition, applications=[jury.applications[2]]
        )
        edition.state = EditionState.final
    page = juror_client.get("/ballot")
    assert "Final round" in page.text
    assert "0 of 1 scored" in page.text
    assert jury.applications[2].reference in page.text
    assert jury.applications[0].reference not in page.text
    _post_scores(juror_client, jury, 2, [9, 9])
    juror_client.post(
        "/ballot/submit", data={"csrf_token": csrf_of(juror_client, "/ballot/submit")}
    )
    assert "final round is locked" in juror_client.get("/ballot/receipt").text
    with sqlite_db.read() as session:
        assert session.exec(select(Ballot.round)).all() == [factories.Round.final]


def test_sign_out_ends_the_ballot_session(juror_client, jury):
    _onboard(juror_client)
    page = juror_client.post(
        "/ballot/sign-out", data={"csrf_token": csrf_of(juror_client, "/ballot")}
    )
    assert page.status_code == 303
    page = juror_client.get(page.headers["location"])
    assert "Everything you saved is kept" in page.text
    assert "Open your personal link" in juror_client.get("/ballot/sign-out").text  # once
    signed_out = juror_client.get("/ballot")
    assert signed_out.status_code == 401
    assert "Open your personal link" in signed_out.text
    assert "Hello Lena." not in signed_out.text


def test_sign_out_ends_every_copy_of_the_session_and_the_link_opens_a_new_one(
    app, juror_client, jury
):
    """A copy of the cookie taken before signing out (another tab, a stolen cookie) is dead too."""
    from starlette.testclient import TestClient

    from tests import jury_factories

    _onboard(juror_client)
    copied = dict(juror_client.cookies)
    juror_client.post("/ballot/sign-out", data={"csrf_token": csrf_of(juror_client, "/ballot")})
    with TestClient(app, follow_redirects=False, cookies=copied) as thief:
        page = thief.get("/ballot")
        assert page.status_code == 410
        assert "This link is no longer valid" in page.text
        assert "Hello Lena." not in page.text
    reopened = juror_client.get(jury_factories.link_path(jury.jurors[0]))
    assert reopened.status_code == 303
    assert "Hello Lena." in juror_client.get("/ballot").text
