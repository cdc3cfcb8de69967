"""Limits: login throttling, the rate limits of forms that send mail to an address typed in, and
uploads (a body over the limit, too many files, the wrong content behind a ``.pdf`` name, file
names that look like paths). Each refusal says what happened, and keeps the draft intact."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, func, select

from prize.models import Application, Attachment, OutboxMessage
from tests import securityworld
from tests.appkit import refused_page
from tests.applykit import tiny_pdf
from tests.securitykit import changed_tables, files_in, multipart, snapshot
from tests.securityworld import World
from tests.staffkit import STAFF_PASSWORD


@pytest.fixture
def world(tmp_path_factory, sqlite_template, tmp_path) -> World:
    return securityworld.template(tmp_path_factory, sqlite_template).copy(tmp_path)


def error_of(page) -> str:
    found = re.findall(r'<p class="error" id="[\w-]+-error">([^<]*)</p>', page.text)
    return found[0].replace("&#39;", "'") if found else ""


def outbox_count(world: World) -> int:
    with world.database.read() as session:
        return int(session.exec(select(func.count()).select_from(OutboxMessage)).one())


# --------------------------------------------------------------------------- signing in


def sign_in(world: World, client, password: str, email: str = "officer@example.org"):
    data = {"email": email, "password": password, "csrf_token": world.csrf(client)}
    return client.post("/secretariat/login", data=data)


def test_five_wrong_passwords_lock_the_account_with_a_message_then_it_opens_again(world):
    client = world.client("anonymous")
    for _ in range(5):
        page = refused_page(client, sign_in(world, client, "not the password"))
        assert error_of(page) == "The e-mail address or the password is not right."
    page = sign_in(world, client, STAFF_PASSWORD)  # even the right password, now
    page = refused_page(client, page)
    assert error_of(page) == (
        "Too many failed attempts for this account. Try again in 15 minutes (at 11:15, Paris time)."
    )
    assert STAFF_PASSWORD not in page.text
    world.clock.advance(minutes=15, seconds=1)
    assert sign_in(world, client, STAFF_PASSWORD).status_code == 303
    assert "Signed in as officer@example.org." in client.get("/secretariat").text


def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(world):
    client = world.client("anonymous")
    unknown = sign_in(world, client, STAFF_PASSWORD, email="nobody@example.org")
    assert unknown.status_code == 303
    unknown = refused_page(client, unknown)
    wrong = refused_page(client, sign_in(world, client, "not the password"))
    assert error_of(unknown) == error_of(wrong)
    assert error_of(wrong) == "The e-mail address or the password is not right."


def test_twenty_failures_from_one_connection_lock_it_for_every_account(world):
    client = world.client("anonymous")
    for i in range(20):
        wrong = refused_page(client, sign_in(world, client, "wrong", email=f"guess{i}@example.org"))
        assert error_of(wrong) == "The e-mail address or the password is not right."
    page = refused_page(client, sign_in(world, client, STAFF_PASSWORD))
    assert error_of(page).startswith("Too many failed attempts from your connection.")


# --------------------------------------------------------------------------- forms that send mail


def test_starting_applications_is_limited_per_address_with_a_message(world):
    client = world.client("anonymous")
    address = "busy@example.org"
    for i in range(5):
        data = {"email": address, "title": f"Project {i}", "language": "en"}
        page = client.post("/apply", data={**data, "csrf_token": world.csrf(client)})
        assert page.status_code == 303
    sent = outbox_count(world)
    data = {"email": address, "title": "One too many", "language": "en"}
    page = refused_page(
        client, client.post("/apply", data={**data, "csrf_token": world.csrf(client)})
    )
    assert error_of(page).startswith("Too many e-mails were sent to this address.")
    assert 'value="One too many"' in page.text  # what was typed is kept
    assert outbox_count(world) == sent
    resend = refused_page(
        client,
        client.post("/apply/resend", data={"email": address, "csrf_token": world.csrf(client)}),
    )
    assert error_of(resend).startswith("Too many e-mails were sent to this address.")
    world.clock.advance(hours=1, seconds=1)
    resend = client.post("/apply/resend", data={"email": address, "csrf_token": world.csrf(client)})
    assert resend.status_code == 303


def test_asking_for_links_is_limited_per_connection_with_a_message(world):
    client = world.client("anonymous")
    for i in range(20):
        data = {"email": f"person{i}@example.org", "csrf_token": world.csrf(client)}
        assert client.post("/apply/resend", data=data).status_code == 303
    sent = outbox_count(world)
    page = client.post(
        "/apply/resend", data={"email": "x@example.org", "csrf_token": world.csrf(client)}
    )
    page = refused_page(client, page)
    assert error_of(page).startswith("Too many e-mails were asked for from your connection.")
    assert outbox_count(world) == sent


def test_password_reset_requests_are_limited_silently_per_address_and_openly_per_connection(world):
    client = world.client("anonymous")

    def ask(email: str):
        data = {"email": email, "csrf_token": world.csrf(client)}
        return refused_page(client, client.post("/secretariat/password/forgot", data=data))

    before = outbox_count(world)
    answers = [ask("officer@example.org") for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert len({re.sub(r'value="[^"]*"', "", a.text) for a in answers}) == 1  # the same answer
    assert outbox_count(world) == before + 3  # three per address an hour, then nothing
    for i in range(5):
        assert ask(f"someone{i}@example.org").status_code == 200
    page = ask("officer@example.org")
    assert "Too many requests from your connection. Try again in" in page.text


# --------------------------------------------------------------------------- uploads


def upload(world: World, client, filename: bytes, data: bytes):
    body, headers = multipart(world.csrf(client), filename, data)
    return client.post(f"/apply/{world.ids['applicant_app']}/files", content=body, headers=headers)


def attachments_of(world: World) -> list[tuple[str, str]]:
    with world.database.read() as session:
        return [
            (a.stored_name, a.original_name)
            for a in session.exec(select(Attachment).order_by(col(Attachment.id)))
        ]


def test_a_body_over_the_limit_gets_the_message_beside_the_file_field_and_keeps_the_draft(
    world, tmp_path
):
    small = world.copy(tmp_path / "small", max_upload_bytes=1024 * 1024, max_body_bytes=1536 * 1024)
    client = small.client("applicant")
    before, files = snapshot(small.database), files_in(small.settings.storage_dir)
    page = upload(small, client, b"big.pdf", tiny_pdf() + b"%" * (2 * 1024 * 1024))
    assert page.status_code == 413
    assert error_of(page) == "This file is larger than 1 MB. Choose a smaller file."
    assert changed_tables(before, snapshot(small.database)) == []
    assert files_in(small.settings.storage_dir) == files
    assert "Street theatre against drugs" in client.get(f"/apply/{small.ids['applicant_app']}").text


class Trickle:
    """A request body sent in chunks as the server asks for them, counting what it took."""

    def __init__(self, head: bytes, size: int) -> None:
        self.head = head
        self.size = size
        self.sent = 0

    def __iter__(self):
        chunk = self.head
        while self.sent < self.size:
            self.sent += len(chunk)
            yield chunk
            chunk = b"%" * (64 * 1024)


@pytest.mark.parametrize("role", ["anonymous", "other_applicant"])
def test_an_upload_from_a_browser_without_the_link_is_refused_before_its_body_is_read(world, role):
    client = world.client(role)
    body, headers = multipart(world.csrf(client), b"big.pdf", tiny_pdf())
    trickle = Trickle(body[: len(body) // 2], 8 * 1024 * 1024)
    before, files = snapshot(world.database), files_in(world.settings.storage_dir)
    page = client.post(
        f"/apply/{world.ids['applicant_app']}/files", content=iter(trickle), headers=headers
    )
    assert page.status_code == 403
    assert "<h1>Open your personal link</h1>" in page.text
    assert trickle.sent == 0  # not a byte of it was read
    assert page.headers["connection"] == "close"
    assert changed_tables(before, snapshot(world.database)) == []
    assert files_in(world.settings.storage_dir) == files


def test_an_upload_on_a_revoked_link_is_refused_and_leaves_no_temporary_file_open(world):
    client = world.client("applicant")
    with world.database.write() as session:  # the applicant asked for a new link elsewhere
        application = session.get_one(Application, world.ids["applicant_app"])
        application.link_version += 1
        session.add(application)
    before, files = snapshot(world.database), files_in(world.settings.storage_dir)
    page = upload(world, client, b"report.pdf", tiny_pdf() + b"%" * (2 * 1024 * 1024))
    # (an upload file left open would fail this test: warnings are errors)
    assert page.status_code == 410
    assert "<title>This link is no longer valid" in page.text
    assert changed_tables(before, snapshot(world.database)) == []
    assert files_in(world.settings.storage_dir) == files


def test_a_file_over_the_size_limit_within_the_body_limit_is_refused(world, tmp_path):
    small = world.copy(tmp_path / "small", max_upload_bytes=1024 * 1024)
    before, files = snapshot(small.database), files_in(small.settings.storage_dir)
    client = small.client("applicant")
    page = refused_page(client, upload(small, client, b"big.pdf", tiny_pdf() + b"%" * 1024 * 1024))
    assert error_of(page) == "This file is larger than 1 MB. Choose a smaller file."
    assert changed_tables(before, snapshot(small.database)) == []
    assert files_in(small.settings.storage_dir) == files


def test_a_sixth_file_is_refused_with_a_message(world):
    client = world.client("applicant")
    for i in range(4):  # the draft has one file already
        assert upload(world, client, f"f{i}.pdf".encode(), tiny_pdf()).status_code == 303
    files = files_in(world.settings.storage_dir)
    page = refused_page(client, upload(world, client, b"sixth.pdf", tiny_pdf()))
    assert ">The file was not added</h2>" in page.text  # the form is gone: said on top
    assert "You can attach at most 5 files. Remove one before adding another." in page.text
    assert files_in(world.settings.storage_dir) == files
    assert len(attachments_of(world)) == 7  # 5 of this draft, 2 of other applications


@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00\x03\x00\x00\x00 an executable",
        b"PK\x03\x04 a zip archive",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"GIF89a an image of a type we do not take",
        b"",
    ],
    ids=["html", "exe", "zip", "svg", "gif", "empty"],
)
def test_the_wrong_content_behind_a_pdf_name_is_refused(world, content):
    before, files = snapshot(world.database), files_in(world.settings.storage_dir)
    client = world.client("applicant")
    page = refused_page(client, upload(world, client, b"report.pdf", content))
    assert error_of(page) in (
        "This file is not a PDF, JPEG or PNG. Choose a file of one of these types.",
        "The file is empty. Choose another file.",
    )
    assert changed_tables(before, snapshot(world.database)) == []
    assert files_in(world.settings.storage_dir) == files


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (b"../../etc/passwd.pdf", "passwd.pdf"),
        (b"/etc/passwd.pdf", "passwd.pdf"),
        (b"..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        (b"C:\\Users\\me\\report.pdf", "report.pdf"),
        (b"evil\x00.pdf", "evil.pdf"),
        (b"report.pdf\x00.exe", "report.pdf.exe.pdf"),
        (b"%2e%2e%2fsecret.pdf", "%2e%2e%2fsecret.pdf"),
        (b"....//....//x.pdf", "x.pdf"),
    ],
)
def test_a_path_like_file_name_is_stored_under_a_random_name_inside_the_folder(
    world, tmp_path, name, shown
):
    outside = files_in(tmp_path)
    stored_before = set(files_in(world.settings.storage_dir))
    page = upload(world, world.client("applicant"), name, tiny_pdf())
    assert page.status_code == 303
    new = set(files_in(world.settings.storage_dir)) - stored_before
    assert len(new) == 1 and re.fullmatch(r"[0-9a-f]{48}", new.pop())
    assert [p for p in files_in(tmp_path) if not p.startswith("storage/")] == [
        p for p in outside if not p.startswith("storage/")
    ]
    stored, original = attachments_of(world)[-1]
    assert original == shown
    assert not {"/", "\\", "\x00"} & set(original)
    assert (world.settings.storage_dir / stored).read_bytes() == tiny_pdf()


def test_stored_files_are_never_served_as_static_files(world):
    stored = attachments_of(world)[0][0]
    for path in (f"/static/{stored}", f"/static/../storage/{stored}", f"/storage/{stored}"):
        page = world.client("anonymous").get(path)
        assert page.status_code == 404
        assert tiny_pdf() not in page.content
