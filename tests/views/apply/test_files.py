"""Supporting files: attached on their own page, checked on content, counted, given back only to
the applicant as downloads, shared between a revision and the submitted version until a resubmit."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from prize.app import create_app
from prize.domain.applicants import applications, attachments, drafts, submissions
from prize.domain.errors import DomainError
from prize.models import Application, ApplicationContent, Attachment, ContentKind
from prize.storage import FolderStore
from tests.appkit import csrf_of, refused_page
from tests.applykit import (
    CALL_DEADLINE,
    complete_form,
    content_values,
    link_maker,
    make_call,
    post_form,
    start_application,
    tiny_pdf,
)


def add(db, application_id, now, storage, data=None, name="report.pdf", max_files=5):
    with db.write() as session:
        return attachments.add(
            session=session,
            application=session.get_one(Application, application_id),
            source=io.BytesIO(tiny_pdf() if data is None else data),
            filename=name,
            store=FolderStore(storage),
            max_bytes=1024 * 1024,
            max_files=max_files,
            now=now,
        )


def stored_files(storage):
    return sorted(p.name for p in storage.iterdir()) if storage.exists() else []


@pytest.fixture
def storage(tmp_path):
    return tmp_path / "storage"


def files_of(db, application_id, kind):
    with db.read() as session:
        content = session.exec(
            select(ApplicationContent).where(
                ApplicationContent.application_id == application_id,
                ApplicationContent.kind == kind,
            )
        ).first()
        return [a.original_name for a in attachments.of_content(session=session, content=content)]


# --------------------------------------------------------------------------- domain


def test_attachments_are_counted_and_the_sixth_is_refused(db, clock, storage):
    make_call(db, clock())
    application = start_application(db, clock())
    for i in range(5):
        add(db, application.id, clock(), storage, name=f"file{i}.pdf")
    with pytest.raises(DomainError) as refused:
        add(db, application.id, clock(), storage, name="sixth.pdf")
    assert refused.value.field == "file"
    assert refused.value.message.msgid.startswith("You can attach at most %(num)s file.")
    assert len(stored_files(storage)) == 5


def test_a_refused_type_stores_nothing(db, clock, storage):
    make_call(db, clock())
    application = start_application(db, clock())
    with pytest.raises(DomainError, match="not a PDF, JPEG or PNG"):
        add(db, application.id, clock(), storage, data=b"<svg onload=alert(1)>", name="x.pdf")
    assert stored_files(storage) == []
    assert files_of(db, application.id, ContentKind.draft) == []


def test_a_file_written_for_a_transaction_that_rolls_back_is_removed(db, clock, storage):
    make_call(db, clock())
    application = start_application(db, clock())
    with pytest.raises(RuntimeError), db.write() as session:
        attachments.add(
            session=session,
            application=session.get_one(Application, application.id),
            source=io.BytesIO(tiny_pdf()),
            filename="report.pdf",
            store=FolderStore(storage),
            max_bytes=1024 * 1024,
            max_files=5,
            now=clock(),
        )
        raise RuntimeError("the request failed later")
    assert stored_files(storage) == []


def test_files_after_the_deadline_are_refused(db, clock, storage):
    make_call(db, clock())
    application = start_application(db, clock())
    clock.set(CALL_DEADLINE)
    with pytest.raises(DomainError, match="deadline has passed"):
        add(db, application.id, clock(), storage)


def test_a_revision_shares_files_with_the_submitted_version_until_resubmitted(db, clock, storage):
    make_call(db, clock())
    application = start_application(db, clock())
    with db.write() as session:
        drafts.save_draft(
            session=session,
            application=session.get_one(Application, application.id),
            values=content_values(),
            now=clock(),
        )
    kept = add(db, application.id, clock(), storage, name="kept.pdf")
    dropped = add(db, application.id, clock(), storage, name="dropped.pdf")

    def submit() -> None:
        with db.write() as session:
            submissions.submit(
                session=session,
                application=session.get_one(Application, application.id),
                links=link_maker(),
                store=FolderStore(storage),
                now=clock(),
            )

    submit()
    with db.write() as session:
        attachments.remove(
            session=session,
            application=session.get_one(Application, application.id),
            attachment_id=dropped.id,
            store=FolderStore(storage),
            now=clock(),
        )
    assert files_of(db, application.id, ContentKind.draft) == ["kept.pdf"]
    assert files_of(db, application.id, ContentKind.submitted) == ["kept.pdf", "dropped.pdf"]
    assert sorted(stored_files(storage)) == sorted([kept.stored_name, dropped.stored_name])
    submit()
    assert files_of(db, application.id, ContentKind.submitted) == ["kept.pdf"]
    assert stored_files(storage) == [kept.stored_name]


def test_deleting_a_draft_removes_its_files_from_disk(db, clock, storage):
    make_call(db, clock())
    application = start_application(db, clock())
    add(db, application.id, clock(), storage)
    with db.write() as session:
        applications.delete_draft(
            session=session,
            application=session.get_one(Application, application.id),
            store=FolderStore(storage),
            now=clock(),
        )
    assert stored_files(storage) == []
    with db.read() as session:
        assert session.exec(select(Attachment)).all() == []


# --------------------------------------------------------------------------- pages


def upload(client, application, data, name="report.pdf", content_type="application/pdf"):
    token = csrf_of(client, f"/apply/{application.id}/files")
    return client.post(
        f"/apply/{application.id}/files",
        data={"csrf_token": token},
        files={"file": (name, data, content_type)},
    )


def error_text(page):
    import re

    match = re.search(r'<p class="error" id="file-error">([^<]*)</p>', page.text)
    return match.group(1) if match else None


def test_attaching_a_pdf_lists_it_and_gives_it_back_as_a_download(applicant, settings):
    client, application = applicant
    response = upload(client, application, tiny_pdf(), name="Rapport annuel.pdf")
    assert response.status_code == 303
    page = client.get(f"/apply/{application.id}/files")
    assert "Attached: Rapport annuel.pdf" in page.text
    assert ">Rapport annuel.pdf</a>" in page.text
    assert "Files (1 of 5)" in page.text
    [stored] = list(settings.storage_dir.iterdir())
    assert "Rapport" not in stored.name
    file_id = page.text.split(f"/apply/{application.id}/files/")[1].split('"')[0]
    download = client.get(f"/apply/{application.id}/files/{file_id}")
    assert download.content == tiny_pdf()
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"] == "application/pdf"


def test_a_file_that_is_not_a_pdf_jpeg_or_png_gets_a_message_and_the_draft_is_untouched(
    applicant, sqlite_db
):
    client, application = applicant
    client.post(
        f"/apply/{application.id}",
        data={"summary": "Typed before", "csrf_token": csrf_of(client, f"/apply/{application.id}")},
    )
    page = upload(client, application, b"<html>not a pdf</html>", name="fake.pdf")
    page = refused_page(client, page)
    assert (
        error_text(page)
        == "This file is not a PDF, JPEG or PNG. Choose a file of one of these types."
    )
    assert "The rest of your application is unchanged." in page.text
    assert "Typed before" in client.get(f"/apply/{application.id}").text


def test_a_file_over_the_size_limit_gets_a_message(app, settings, sqlite_db, clock, open_call):
    small = create_app(
        settings.with_(max_upload_bytes=1024 * 1024), clock=clock, database=sqlite_db
    )
    application = start_application(sqlite_db, clock())
    with TestClient(small, follow_redirects=False) as client:
        client.get(f"/apply/link/{link_maker().token(application)}")
        page = upload(client, application, tiny_pdf() + b"%" * (1024 * 1024))
    page = refused_page(client, page)
    assert error_text(page) == "This file is larger than 1 MB. Choose a smaller file."
    assert list(settings.storage_dir.glob("*")) == []


def test_a_body_over_the_routes_limit_gets_the_message_next_to_the_file_field(
    app, settings, sqlite_db, clock, open_call
):
    small = create_app(
        settings.with_(max_upload_bytes=2 * 1024 * 1024, max_body_bytes=3 * 1024 * 1024),
        clock=clock,
        database=sqlite_db,
    )
    application = start_application(sqlite_db, clock())
    with TestClient(small, follow_redirects=False) as client:
        client.get(f"/apply/link/{link_maker().token(application)}")
        page = upload(client, application, tiny_pdf() + b"%" * (4 * 1024 * 1024))
    assert page.status_code == 413
    assert error_text(page) == "This file is larger than 2 MB. Choose a smaller file."
    assert "Supporting files" in page.text


def test_a_sixth_file_is_refused(applicant, sqlite_db):
    client, application = applicant
    for i in range(5):
        assert upload(client, application, tiny_pdf(), name=f"f{i}.pdf").status_code == 303
    page = client.get(f"/apply/{application.id}/files")
    assert "You have attached 5 files, the most allowed." in page.text
    page = upload(client, application, tiny_pdf(), name="f5.pdf")
    page = refused_page(client, page)
    assert "You can attach at most 5 files. Remove one before adding another." in page.text
    # The error summary leads to what exists: the list with its Remove buttons, not a field.
    assert 'id="file"' not in page.text
    assert '<a href="#attached">You can attach at most 5 files.' in page.text
    assert '<h2 id="attached">Attached files</h2>' in page.text
    assert files_of(sqlite_db, application.id, ContentKind.draft) == [f"f{i}.pdf" for i in range(5)]


def test_posting_without_a_file_asks_for_one(applicant, sqlite_db):
    client, application = applicant
    token = csrf_of(client, f"/apply/{application.id}/files")
    page = client.post(f"/apply/{application.id}/files", data={"csrf_token": token})
    page = refused_page(client, page)
    assert error_text(page) == "Choose a file to attach."
    assert files_of(sqlite_db, application.id, ContentKind.draft) == []


def test_an_unwritable_storage_gets_a_message(app, settings, sqlite_db, clock, open_call, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    broken = create_app(
        settings.with_(storage_dir=blocker / "storage"), clock=clock, database=sqlite_db
    )
    application = start_application(sqlite_db, clock())
    with TestClient(broken, follow_redirects=False) as client:
        client.get(f"/apply/link/{link_maker().token(application)}")
        page = upload(client, application, tiny_pdf())
    page = refused_page(client, page)
    assert (error_text(page) or "").startswith("The file could not be stored just now.")
    assert files_of(sqlite_db, application.id, ContentKind.draft) == []


def test_removing_a_file(applicant, settings):
    client, application = applicant
    upload(client, application, tiny_pdf(), name="gone.pdf")
    page = client.get(f"/apply/{application.id}/files")
    file_id = page.text.split(f"/apply/{application.id}/files/")[1].split('"')[0]
    response = client.post(
        f"/apply/{application.id}/files/{file_id}/delete",
        data={"csrf_token": csrf_of(client, f"/apply/{application.id}/files")},
    )
    assert response.status_code == 303
    page = client.get(f"/apply/{application.id}/files")
    assert "The file is removed." in page.text and "gone.pdf" not in page.text
    assert list(settings.storage_dir.iterdir()) == []


def test_files_are_given_back_only_to_their_applicant(app, applicant, sqlite_db, clock):
    client, application = applicant
    upload(client, application, tiny_pdf())
    page = client.get(f"/apply/{application.id}/files")
    file_id = page.text.split(f"/apply/{application.id}/files/")[1].split('"')[0]
    with TestClient(app, follow_redirects=False) as stranger:
        response = stranger.get(f"/apply/{application.id}/files/{file_id}")
        assert response.status_code == 403 and b"%PDF" not in response.content
        assert "Open your personal link" in response.text
        other = start_application(sqlite_db, clock(), email="other@example.org")
        stranger.get(f"/apply/link/{link_maker().token(other)}")
        response = stranger.get(f"/apply/{other.id}/files/{file_id}")
        assert response.status_code == 404 and b"%PDF" not in response.content
        assert "<h1>Page not found</h1>" in response.text


def test_after_the_deadline_files_can_be_read_but_not_changed(applicant, clock, sqlite_db):
    client, application = applicant
    upload(client, application, tiny_pdf(), name="kept.pdf")
    token = csrf_of(client, f"/apply/{application.id}/files")
    clock.set(CALL_DEADLINE + timedelta(seconds=1))
    page = client.get(f"/apply/{application.id}/files")
    assert "kept.pdf" in page.text and "Attach the file" not in page.text
    response = client.post(
        f"/apply/{application.id}/files",
        data={"csrf_token": token},
        files={"file": ("late.pdf", tiny_pdf(), "application/pdf")},
    )
    response = refused_page(client, response)
    assert "Your application can no longer be changed: the deadline has passed." in response.text
    assert files_of(sqlite_db, application.id, ContentKind.draft) == ["kept.pdf"]


def test_a_form_with_files_sent_with_a_stale_token_says_to_choose_them_again(applicant, sqlite_db):
    client, application = applicant
    page = client.post(
        f"/apply/{application.id}/files",
        data={"csrf_token": "stale"},
        files={"file": ("report.pdf", tiny_pdf(), "application/pdf")},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 403
    assert "Files cannot be kept this way: please choose them again after sending." in page.text
    assert files_of(sqlite_db, application.id, ContentKind.draft) == []


def test_the_whole_form_with_a_file_submits(applicant, sqlite_db):
    client, application = applicant
    upload(client, application, tiny_pdf(), name="evidence.pdf")
    token = csrf_of(client, f"/apply/{application.id}")
    response = client.post(
        f"/apply/{application.id}",
        data={**complete_form(), "action": "submit", "csrf_token": token},
    )
    assert response.status_code == 303
    assert files_of(sqlite_db, application.id, ContentKind.submitted) == ["evidence.pdf"]


def back_link(page) -> tuple[str, str]:
    """Where the files page's last link leads, and its words."""
    import re

    [(href, words)] = re.findall(r'<p><a href="([^"]+)">(Back to [^<]+)</a></p>', page.text)
    return href, words


def test_the_files_page_leads_back_to_the_task_list_while_editing(applicant):
    client, application = applicant
    tasks = client.get(f"/apply/{application.id}/tasks")
    assert f'href="/apply/{application.id}/files"' in tasks.text
    page = client.get(f"/apply/{application.id}/files")
    assert back_link(page) == (f"/apply/{application.id}/tasks", "Back to your application")
    upload(client, application, tiny_pdf())
    page = client.get(f"/apply/{application.id}/files")
    assert back_link(page) == (f"/apply/{application.id}/tasks", "Back to your application")


def test_the_files_page_opened_from_the_check_page_leads_back_to_it(applicant, sqlite_db):
    client, application = applicant
    post_form(client, application, **complete_form(), action="check")
    check = client.get(f"/apply/{application.id}/check")
    files = f"/apply/{application.id}/files?then=check"
    assert f'<a class="change" href="{files}">Change' in check.text
    page = client.get(files)
    assert back_link(page) == (f"/apply/{application.id}/check", "Back to check your answers")
    assert f'action="{files}"' in page.text

    token = csrf_of(client, files)
    response = client.post(
        files, data={"csrf_token": token}, files={"file": ("report.pdf", tiny_pdf(), "x/y")}
    )
    assert response.headers["location"] == files  # after an upload, still on the way back
    page = client.get(files)
    assert "Attached: report.pdf" in page.text
    assert back_link(page) == (f"/apply/{application.id}/check", "Back to check your answers")

    file_id = page.text.split(f"/apply/{application.id}/files/")[1].split('"')[0]
    remove = f"/apply/{application.id}/files/{file_id}/delete?then=check"
    assert f'action="{remove}"' in page.text
    response = client.post(remove, data={"csrf_token": token})
    assert response.headers["location"] == files  # and after a removal
    page = client.get(files)
    assert "The file is removed." in page.text
    assert back_link(page) == (f"/apply/{application.id}/check", "Back to check your answers")

    refused = refused_page(client, client.post(files, data={"csrf_token": token}))
    assert "Choose a file to attach." in refused.text  # a refusal keeps the way back too
    assert back_link(refused) == (f"/apply/{application.id}/check", "Back to check your answers")


def test_the_files_page_of_a_submitted_application_leads_back_to_its_summary(applicant):
    client, application = applicant
    post_form(client, application, **complete_form(), action="submit")
    page = client.get(f"/apply/{application.id}/files")
    assert back_link(page) == (f"/apply/{application.id}", "Back to your application")


def test_the_files_page_back_link_in_french(applicant):
    client, application = applicant
    client.cookies.set("lang", "fr")
    page = client.get(f"/apply/{application.id}/files?then=check")
    assert back_link_fr(page) == "Retour à la vérification de vos réponses"


def back_link_fr(page) -> str:
    import re

    [words] = re.findall(r'<p><a href="[^"]+">(Retour [^<]+)</a></p>', page.text)
    return words
