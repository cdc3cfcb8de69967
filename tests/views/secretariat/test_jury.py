"""The secretariat's jury pages: progress, adding and importing jurors, links, consent,
conflicts, replacing, reopening, reminders; the e-mails they send, opened as a juror would."""

from __future__ import annotations

import re

from sqlmodel import col, func, select

from prize import formats
from prize.domain.jury import scoring
from prize.models import AuditEvent, Ballot, BallotStatus, Conflict, Juror, OutboxMessage
from tests import factories, htmlpages, jury_factories
from tests.appkit import csrf_of, refused_page
from tests.mailkit import body_of
from tests.staffkit import confirmed_post, login, make_staff


def _juror_id(db, email: str) -> int:
    with db.read() as session:
        found = session.exec(select(Juror).where(Juror.email == email)).one()
        assert found.id is not None
        return found.id


def _post(client, path: str, page: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client, page), **data})


def _count(db, model, *where) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _submit_all(db, clock, jury, juror):
    with db.write() as session:
        me = session.get_one(Juror, juror.id)
        me.name_confirmed_at = me.pledge_accepted_at = me.conflicts_declared_at = clock()
        for app in jury.applications:
            scoring.save_entry(
                session=session,
                juror=me,
                now=clock(),
                application_id=app.id,
                scores={c.id: 6 for c in jury.criteria},
            )
        return scoring.submit(session=session, juror=me, now=clock())


def test_jury_page_needs_a_signed_in_officer(client, jury):
    response = client.get("/secretariat/editions/2027/jury")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/secretariat/login")


def test_jury_page_shows_each_jurors_progress_and_state(staff_client, sqlite_db, clock, jury):
    with sqlite_db.write() as session:
        omar = jury_factories.juror(
            session=session, edition=jury.edition, first_name="Omar", onboarded=True
        )
        scoring.save_entry(
            session=session,
            juror=omar,
            now=clock(),
            application_id=jury.applications[0].id,
            scores={c.id: 5 for c in jury.criteria},
        )
    _submit_all(sqlite_db, clock, jury, jury.jurors[0])
    page = staff_client.get("/secretariat/editions/2027/jury")
    assert '<progress value="1" max="3"' in page.text
    assert "1 of 3 scored" in page.text
    assert '<progress value="3" max="3"' in page.text
    assert '<span class="pill pill-ok">submitted</span>' in page.text
    assert '<span class="pill pill-wait">draft</span>' in page.text
    assert "style=" not in page.text
    # each juror's row opens the juror, through a real link in its first cell
    assert page.text.count('<tr class="rowlink">') == len(jury.jurors) + 1
    assert f'<a class="rowlink-main" href="/secretariat/jurors/{omar.id}">Omar ' in page.text
    assert re.search(r'<td class="num">1</td>', page.text)  # links sent
    htmlpages.save("secretariat_jury", page.text)
    index = staff_client.get("/secretariat/jury").text.split("<main", 1)[1]  # not the nav
    assert index.count("/secretariat/editions/2027/jury") == 1


def test_adding_a_juror_and_inviting_them_by_email(staff_client, sqlite_db, clock, smtp, jury):
    form = {
        "first_name": "Omar",
        "last_name": "Haddad",
        "email": "omar@example.org",
        "country": "JO",
        "birth_date": "2004-02-03",
        "language": "en",
    }
    response = _post(
        staff_client,
        "/secretariat/editions/2027/jury/add",
        "/secretariat/editions/2027/jury/add",
        **form,
    )
    assert response.status_code == 303
    juror_id = _juror_id(sqlite_db, "omar@example.org")
    assert response.headers["location"] == f"/secretariat/jurors/{juror_id}"
    page = staff_client.get(response.headers["location"])
    htmlpages.save("secretariat_juror", page.text)
    response = _post(
        staff_client, f"/secretariat/jurors/{juror_id}/invite", f"/secretariat/jurors/{juror_id}"
    )
    assert response.status_code == 303
    smtp.deliver(sqlite_db, clock())
    (mail,) = smtp.inbox.to("omar@example.org")
    assert mail["Subject"] == "Your ballot for the youth jury: European Drug Prevention Prize 2027"
    (link,) = jury_factories.links_in(body_of(mail))
    # The juror opens the link from the e-mail, in a browser of their own.
    from starlette.testclient import TestClient

    with TestClient(staff_client.app, follow_redirects=False) as juror:
        opened = juror.get(jury_factories.path_of(link))
        assert opened.headers["location"] == "/ballot"
        assert "Thank you for joining the youth jury" in juror.get("/ballot/welcome").text


def test_adding_a_juror_refuses_wrong_fields_and_keeps_what_was_typed(
    staff_client, sqlite_db, jury
):
    page = _post(
        staff_client,
        "/secretariat/editions/2027/jury/add",
        "/secretariat/editions/2027/jury/add",
        first_name="Omar",
        last_name="",
        email="lena@example.org",
        country="JO",
        birth_date="03/02/2004",
    )
    page = refused_page(staff_client, page)
    assert 'id="last_name-error">Give a last name.' in page.text
    assert 'id="birth_date-error">Give the date of birth as YYYY-MM-DD.' in page.text
    assert 'value="03/02/2004"' in page.text and 'value="Omar"' in page.text
    page = _post(
        staff_client,
        "/secretariat/editions/2027/jury/add",
        "/secretariat/editions/2027/jury/add",
        first_name="Omar",
        last_name="Haddad",
        email="lena@example.org",
        country="JO",
        birth_date="2004-02-03",
    )
    page = refused_page(staff_client, page)
    assert 'id="email-error">A juror of this edition has this address already.' in page.text
    assert _count(sqlite_db, Juror) == 1


def test_importing_a_csv_file_adds_all_rows(staff_client, sqlite_db, jury):
    csv = b"first_name,last_name,email,country,birth_date\nOmar,Haddad,omar@example.org,JO,2004-02-03\nNoa,Levi,noa@example.org,IL,2006-07-08\n"
    token = csrf_of(staff_client, "/secretariat/editions/2027/jury/import")
    response = staff_client.post(
        "/secretariat/editions/2027/jury/import",
        data={"csrf_token": token},
        files={"file": ("jury.csv", csv, "text/csv")},
    )
    assert response.status_code == 303
    assert "2 jurors are imported." in staff_client.get(response.headers["location"]).text
    assert _count(sqlite_db, Juror) == 3


def test_importing_with_a_wrong_row_lists_it_and_imports_nothing(staff_client, sqlite_db, jury):
    pasted = "first_name,last_name,email,country,birth_date\nOmar,Haddad,omar@example.org,JO,2004-02-03\nNoa,,noa@example.org,Atlantis,2006-07-08\n"
    page = _post(
        staff_client,
        "/secretariat/editions/2027/jury/import",
        "/secretariat/editions/2027/jury/import",
        pasted=pasted,
    )
    page = refused_page(staff_client, page)
    assert "Nothing was imported: 2 rows need correcting." in page.text
    assert re.search(
        r'<td class="num">3</td><td>last_name</td><td>Give a last name.</td>', page.text
    )
    assert re.search(r'<td class="num">3</td><td>country</td><td>Choose a country.</td>', page.text)
    assert "Atlantis" in page.text  # what was pasted is kept
    assert _count(sqlite_db, Juror) == 1
    htmlpages.save("secretariat_jury_import_errors", page.text)


def test_minor_is_invited_only_after_consent_is_recorded(staff_client, sqlite_db, jury):
    with sqlite_db.write() as session:
        from datetime import date

        minor = jury_factories.juror(
            session=session,
            edition=jury.edition,
            invited=False,
            birth_date=date(2011, 4, 5),
            publish_name_consent=False,
        )
    page_path = f"/secretariat/jurors/{minor.id}"
    page = staff_client.get(page_path)
    assert "needed before the invitation" in page.text
    refused = _post(staff_client, f"{page_path}/invite", page_path)
    refused = refused_page(staff_client, refused)
    assert "record a guardian&#39;s consent and upload the signed form" in refused.text
    assert _count(sqlite_db, Juror, Juror.id == minor.id, col(Juror.invited_at).is_(None)) == 1
    assert _count(sqlite_db, OutboxMessage, OutboxMessage.recipient == minor.email) == 0
    missing = _post(staff_client, f"{page_path}/consent", page_path, guardian_name="Marta Kovač")
    missing = refused_page(staff_client, missing)
    assert 'id="consent_on-error">Give the date of the guardian&#39;s consent.' in missing.text
    assert 'value="Marta Kovač"' in missing.text
    assert _count(sqlite_db, Juror, Juror.guardian_name == "Marta Kovač") == 0
    ok = _post(
        staff_client,
        f"{page_path}/consent",
        page_path,
        guardian_name="Marta Kovač",
        consent_on="2027-02-10",
        publish_name_consent="yes",
    )
    assert ok.status_code == 303
    refused = refused_page(staff_client, _post(staff_client, f"{page_path}/invite", page_path))
    assert "This juror is under 18: record a guardian&#39;s consent" in refused.text
    token = csrf_of(staff_client, page_path)
    uploaded = staff_client.post(
        f"{page_path}/guardian/files",
        data={"csrf_token": token},
        files={"guardian_form": ("consent.pdf", factories.PDF, "application/pdf")},
    )
    assert uploaded.status_code == 303
    assert _post(staff_client, f"{page_path}/invite", page_path).status_code == 303
    with sqlite_db.read() as session:
        stored = session.get_one(Juror, minor.id)
    assert (stored.guardian_name, stored.publish_name_consent) == ("Marta Kovač", True)
    assert stored.invited_at is not None


def test_resend_revoke_and_reissue_from_the_jurors_page(
    staff_client, client, sqlite_db, clock, smtp, jury
):
    juror = jury.jurors[0]
    page_path = f"/secretariat/jurors/{juror.id}"
    assert _post(staff_client, f"{page_path}/resend", page_path).status_code == 303
    revoked = confirmed_post(staff_client, f"{page_path}/revoke", {"revoke_reason": "Phone stolen"})
    assert revoked.status_code == 303
    assert "Every link of this juror is revoked" in staff_client.get(page_path).text
    resend = _post(staff_client, f"{page_path}/resend", page_path)
    resend = refused_page(staff_client, resend)
    assert "reissue a new link instead" in resend.text
    assert _count(sqlite_db, OutboxMessage, OutboxMessage.kind == "juror_link") == 1
    assert confirmed_post(staff_client, f"{page_path}/reissue").status_code == 303
    smtp.deliver(sqlite_db, clock())
    mails = smtp.inbox.to("lena@example.org")
    assert len(mails) == 3  # invitation, resent link, new link
    links = [jury_factories.links_in(body_of(m))[0] for m in mails]
    from starlette.testclient import TestClient

    with TestClient(staff_client.app, follow_redirects=False) as juror_browser:
        for dead in links[:2]:
            page = juror_browser.get(jury_factories.path_of(dead))
            assert page.status_code == 410
            assert "This link is no longer valid" in page.text
        opened = juror_browser.get(jury_factories.path_of(links[2]))
        assert opened.status_code == 303
        assert opened.headers["location"] == "/ballot"
    with sqlite_db.read() as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "juror.link_revoked")
        ).one()
    assert event.reason == "Phone stolen"


def test_recording_a_conflict_from_a_suggestion(staff_client, sqlite_db, jury):
    with sqlite_db.write() as session:
        bosnian = jury_factories.juror(
            session=session, edition=jury.edition, country="BA", first_name="Emir"
        )
    overview = staff_client.get("/secretariat/editions/2027/jury")
    assert "Possible conflicts to check" in overview.text
    assert "Intercity Theatre" in overview.text
    page_path = f"/secretariat/jurors/{bosnian.id}"
    assert "(suggested)" in staff_client.get(page_path).text
    target = jury.applications[0].id
    refused = _post(
        staff_client, f"{page_path}/conflicts", page_path, application=str(target), reason=""
    )
    refused = refused_page(staff_client, refused)
    assert 'id="reason-error">Say what the conflict is.' in refused.text
    assert _count(sqlite_db, Conflict) == 0
    ok = _post(
        staff_client,
        f"{page_path}/conflicts",
        page_path,
        application=str(target),
        reason="Former member of the troupe",
    )
    assert ok.status_code == 303
    with sqlite_db.read() as session:
        conflict = session.exec(select(Conflict)).one()
    assert (conflict.application_id, conflict.declared_by.value) == (target, "staff")
    assert (
        "Possible conflicts to check"
        not in staff_client.get("/secretariat/editions/2027/jury").text
    )


def test_replacing_a_juror_invites_the_new_one_and_kills_the_old_links(
    staff_client, sqlite_db, clock, smtp, jury
):
    old = jury.jurors[0]
    old_link = jury_factories.link_path(old)
    path = f"/secretariat/jurors/{old.id}/replace"
    response = _post(
        staff_client,
        path,
        path,
        first_name="Nina",
        last_name="Berg",
        email="nina@example.org",
        country="NO",
        birth_date="2003-03-03",
        language="en",
        reason="Dropped out",
    )
    assert response.status_code == 303
    new_id = _juror_id(sqlite_db, "nina@example.org")
    assert response.headers["location"] == f"/secretariat/jurors/{new_id}"
    page = staff_client.get(response.headers["location"])
    assert "Replaces Lena Novak." in page.text
    smtp.deliver(sqlite_db, clock())
    (mail,) = smtp.inbox.to("nina@example.org")
    from starlette.testclient import TestClient

    with TestClient(staff_client.app, follow_redirects=False) as browser:
        dead = browser.get(old_link)
        assert dead.status_code == 410
        assert "This link is no longer valid" in dead.text
        opened = browser.get(jury_factories.path_of(jury_factories.links_in(body_of(mail))[0]))
        assert opened.status_code == 303
        assert opened.headers["location"] == "/ballot"
    assert (
        "This juror was replaced by Nina Berg"
        in staff_client.get(f"/secretariat/jurors/{old.id}").text
    )


def test_replacement_form_refuses_a_minor_without_consent(staff_client, sqlite_db, jury):
    path = f"/secretariat/jurors/{jury.jurors[0].id}/replace"
    page = _post(
        staff_client,
        path,
        path,
        first_name="Kid",
        last_name="Young",
        email="kid@example.org",
        country="NO",
        birth_date="2012-03-03",
        language="en",
    )
    page = refused_page(staff_client, page)
    assert 'id="guardian_name-error">This juror is under 18' in page.text
    assert _count(sqlite_db, Juror) == 1


def test_reopening_a_submitted_ballot_needs_a_reason(staff_client, sqlite_db, clock, smtp, jury):
    juror = jury.jurors[0]
    ballot = _submit_all(sqlite_db, clock, jury, juror)
    page_path = f"/secretariat/jurors/{juror.id}"
    refused = _post(staff_client, f"{page_path}/reopen", page_path, ballot=str(ballot.id))
    refused = refused_page(staff_client, refused)
    assert 'id="reopen_reason-error">Give a reason for reopening the ballot.' in refused.text
    assert _count(sqlite_db, Ballot, Ballot.status == BallotStatus.submitted) == 1
    ok = _post(
        staff_client,
        f"{page_path}/reopen",
        page_path,
        ballot=str(ballot.id),
        reopen_reason="She asked to fix a typo",
    )
    assert ok.status_code == 303
    with sqlite_db.read() as session:
        assert session.get_one(Ballot, ballot.id).status is BallotStatus.draft
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "ballot.reopened")).one()
    assert event.reason == "She asked to fix a typo"
    smtp.deliver(sqlite_db, clock())
    assert any("She asked to fix a typo" in body_of(m) for m in smtp.inbox.to("lena@example.org"))


def test_reopening_after_the_round_closed_is_refused(staff_client, sqlite_db, clock, jury):
    juror = jury.jurors[0]
    ballot = _submit_all(sqlite_db, clock, jury, juror)
    page_path = f"/secretariat/jurors/{juror.id}"
    token = csrf_of(staff_client, page_path)
    clock.set(jury_factories.SHORTLIST_CLOSES)
    refused = staff_client.post(
        f"{page_path}/reopen",
        data={"csrf_token": token, "ballot": str(ballot.id), "reopen_reason": "Late"},
    )
    refused = refused_page(staff_client, refused)
    assert "only while its round is open" in refused.text
    with sqlite_db.read() as session:
        assert session.get_one(Ballot, ballot.id).status is BallotStatus.submitted


def test_reminder_goes_once_to_jurors_who_have_not_finished(
    staff_client, sqlite_db, clock, smtp, jury
):
    with sqlite_db.write() as session:
        done = jury_factories.juror(session=session, edition=jury.edition, email="done@example.org")
    _submit_all(sqlite_db, clock, jury, done)
    path = "/secretariat/editions/2027/jury/remind"
    first = confirmed_post(staff_client, path)
    assert "Reminders sent: 1." in staff_client.get("/secretariat/editions/2027/jury").text
    second = confirmed_post(staff_client, path)  # asked again at once
    assert first.status_code == second.status_code == 303
    page = staff_client.get("/secretariat/editions/2027/jury")
    assert "Not reminded again, because reminded less than six hours ago: 1." in page.text
    assert _count(sqlite_db, OutboxMessage, OutboxMessage.kind == "juror_reminder") == 1
    smtp.deliver(sqlite_db, clock())
    (reminder,) = [m for m in smtp.inbox.to("lena@example.org") if "reminder" in m["Subject"]]
    assert "Projects scored: 0 of 3." in body_of(reminder)
    assert not [m for m in smtp.inbox.to("done@example.org") if "reminder" in m["Subject"]]


def test_adviser_reads_the_jury_but_cannot_change_it(client, sqlite_db, clock, jury):
    make_staff(sqlite_db, clock(), email="adviser@example.org", role="adviser")
    login(client, "adviser@example.org")
    page = client.get("/secretariat/editions/2027/jury")
    assert page.status_code == 200
    assert "Add a juror" not in page.text
    token = csrf_of(client, "/secretariat/editions/2027/jury")
    juror_id = jury.jurors[0].id
    response = client.post(f"/secretariat/jurors/{juror_id}/revoke", data={"csrf_token": token})
    assert response.status_code == 403
    assert "You are not allowed to see this page." in response.text
    with sqlite_db.read() as session:
        assert session.get_one(Juror, juror_id).revoked_at is None


def test_unknown_edition_or_juror_is_a_404(staff_client, jury):
    for path in ("/secretariat/editions/1999/jury", "/secretariat/jurors/999"):
        page = staff_client.get(path)
        assert page.status_code == 404, path
        assert "<h1>Page not found</h1>" in page.text, path


def test_every_jury_action_is_audited(staff_client, sqlite_db, jury):
    juror = jury.jurors[0]
    page_path = f"/secretariat/jurors/{juror.id}"
    _post(staff_client, f"{page_path}/resend", page_path)
    confirmed_post(staff_client, f"{page_path}/reissue")
    with sqlite_db.read() as session:
        kinds = list(
            session.exec(
                select(AuditEvent.kind)
                .where(AuditEvent.subject_id == juror.id)
                .order_by(col(AuditEvent.id))
            )
        )
    assert kinds[-2:] == ["juror.link_resent", "juror.link_reissued"]


def test_reminder_outside_an_open_round_is_refused(staff_client, sqlite_db, clock, jury):
    token = csrf_of(staff_client, "/secretariat/editions/2027/jury")
    clock.set(jury_factories.SHORTLIST_CLOSES)
    response = staff_client.post(
        "/secretariat/editions/2027/jury/remind", data={"csrf_token": token}
    )
    assert response.status_code == 303
    page = staff_client.get("/secretariat/editions/2027/jury")
    closed = formats.deadline(
        jury_factories.SHORTLIST_CLOSES, "en"
    )  # its last minute: 21:59 in Paris
    assert f"The round closed on {closed}" in page.text
    assert "Send a reminder" not in page.text  # the button is gone once the round closed
    assert _count(sqlite_db, OutboxMessage, OutboxMessage.kind == "juror_reminder") == 0


def test_forms_of_the_jury_pages_are_valid_html(staff_client, jury):
    for name, path in (
        ("secretariat_jury_index", "/secretariat/jury"),
        ("secretariat_jury_add", "/secretariat/editions/2027/jury/add"),
        ("secretariat_jury_import", "/secretariat/editions/2027/jury/import"),
        ("secretariat_jury_replace", f"/secretariat/jurors/{jury.jurors[0].id}/replace"),
    ):
        page = staff_client.get(path)
        assert page.status_code == 200
        assert "style=" not in page.text
        htmlpages.save(name, page.text)
    invalid = _post(
        staff_client,
        "/secretariat/editions/2027/jury/add",
        "/secretariat/editions/2027/jury/add",
        first_name="",
        guardian_consent_on="yesterday",
    )
    invalid = refused_page(staff_client, invalid)
    assert 'id="guardian_consent_on-error">Give the date of consent as YYYY-MM-DD.' in invalid.text
    htmlpages.save("secretariat_jury_add_errors", invalid.text)


def test_inviting_everyone_not_invited_yet_skips_minors_without_consent(
    staff_client, sqlite_db, clock, smtp, jury
):
    from datetime import date

    with sqlite_db.write() as session:
        for email in ("omar@example.org", "noa@example.org"):
            jury_factories.juror(session=session, edition=jury.edition, email=email, invited=False)
        jury_factories.juror(
            session=session,
            edition=jury.edition,
            email="kid@example.org",
            invited=False,
            first_name="Ana",
            last_name="Kovač",
            birth_date=date(2011, 1, 1),
        )
    path = "/secretariat/editions/2027/jury/invite"
    response = confirmed_post(staff_client, path)
    assert response.status_code == 303
    page = staff_client.get("/secretariat/editions/2027/jury")
    assert "Invitations sent: 2." in page.text
    assert "Not invited, waiting for a guardian&#39;s consent: Ana Kovač." in page.text
    smtp.deliver(sqlite_db, clock())
    assert len(smtp.inbox.to("omar@example.org")) == len(smtp.inbox.to("noa@example.org")) == 1
    assert smtp.inbox.to("kid@example.org") == []
    assert len(smtp.inbox.to("lena@example.org")) == 1  # invited before: not again
