"""E-mail addresses: exactly one plain mailbox, read by the standard library's header parser,
everywhere an address is typed (starting an application, asking for one's links again, the
application's contact fields, inviting staff, adding a juror, a forgotten password). What is
stored, sent to and throttled on is the normalised address."""

from __future__ import annotations

import email.utils
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import func, select
from starlette.datastructures import FormData

from prize.domain.applicants import applications
from prize.domain.errors import DomainError
from prize.domain.shared import audit
from prize.domain.shared.email_addresses import parse_email
from prize.domain.staff import staff
from prize.forms import application as application_form
from prize.forms import staff as staff_forms
from prize.i18n import gettext
from prize.models import Application, Juror, OutboxMessage, RateEvent, Staff
from tests import jury_factories
from tests.appkit import csrf_of, make_signer, refused_page
from tests.applykit import link_maker, make_call, start_application
from tests.jury_factories import add_juror, juror_data
from tests.staffkit import staff_post

# Each would reach another mailbox than the one stored, or several (smtplib takes the envelope
# recipients from the To: header), or is no address at all.
NOT_ONE_MAILBOX = [
    "a,b@x.org",
    "a@x.org,b@y.org",
    "a@x.org;b@y.org",
    "<b@x.org>",
    "b@x.org>",
    "g:b@x.org;",
    '"a b"@x.org',
    '"a"@x.org',
    "Someone <b@x.org>",
    '"Someone" <b@x.org>',
    "a(comment)@x.org",
    "a@x.org (comment)",
    "a@[192.0.2.1]",
    "a@b@x.org",
    "a..b@x.org",
    "a@x",
    "a@-x.org",
    "a@x..org",
    "a@",
    "@x.org",
    "a b@x.org",
    "a@x.org\r\nBcc: c@y.org",
    "jürgen@x.de",
    "=?utf-8?q?a?=@x.org",
    "x" * 65 + "@x.org",
    "a@" + "x" * 250 + ".org",
]
ONE_MAILBOX = [
    ("a@x.org", "a@x.org"),
    ("  Name.Surname@Example.ORG ", "name.surname@example.org"),
    ("first+prize@sub.example.co.uk", "first+prize@sub.example.co.uk"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("a@example.xn--p1ai", "a@example.xn--p1ai"),
]


# --------------------------------------------------------------------------- the one parser


@pytest.mark.parametrize(("typed", "stored"), ONE_MAILBOX)
def test_one_plain_mailbox_is_accepted_normalised(typed: str, stored: str) -> None:
    assert parse_email(typed) == stored


@pytest.mark.parametrize("typed", NOT_ONE_MAILBOX)
def test_anything_but_exactly_one_plain_mailbox_is_refused(typed: str) -> None:
    assert parse_email(typed) is None


@given(st.text(max_size=80) | st.from_regex(r"[a-z,;:<>\"() .@\[\]]{1,20}@[a-z.,;>]{1,12}"))
def test_an_accepted_address_is_exactly_one_recipient_for_smtplib(typed: str) -> None:
    address = parse_email(typed)  # never raises, whatever is typed
    if address is not None:
        assert email.utils.getaddresses([address]) == [("", address)]


# --------------------------------------------------------------------------- each form


def test_start_refuses_a_list_of_addresses_and_stores_and_sends_nothing(db, clock):
    make_call(db, clock())
    for typed in ("a,b@x.org", "g:b@x.org;", "Someone <b@x.org>"):
        with pytest.raises(DomainError) as refused:
            start_application(db, clock(), email=typed)
        assert refused.value.field == "email"
        assert refused.value.message.msgid == "Enter an e-mail address like name@example.org."
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Application)).one() == 0
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0
        assert session.exec(select(func.count()).select_from(RateEvent)).one() == 0


def test_start_stores_sends_to_and_throttles_on_the_normalised_address(db, clock):
    make_call(db, clock())
    application = start_application(db, clock(), email="  Lena.Novak@Example.ORG ")
    with db.read() as session:
        [mail] = session.exec(select(OutboxMessage)).all()
        keys = set(session.exec(select(RateEvent.key)).all())
    assert application.email == mail.recipient == "lena.novak@example.org"
    assert "mail:address:lena.novak@example.org" in keys


def test_send_my_link_again_refuses_a_list_of_addresses(db, clock):
    edition = make_call(db, clock())
    start_application(db, clock(), email="b@x.org")
    with db.write() as session, pytest.raises(DomainError) as refused:
        applications.resend_links(
            session=session,
            edition=edition,
            email="a,b@x.org",
            links=link_maker(),
            client="192.0.2.9",
            now=clock(),
        )
    assert refused.value.field == "email"
    with db.read() as session:
        assert [m.kind for m in session.exec(select(OutboxMessage))] == ["application_link"]


def test_the_application_form_refuses_contact_addresses_that_are_not_one_mailbox() -> None:
    form = FormData(
        [("contact_email", "a@x.org, b@y.org"), ("contact_person_email", " Ana@Example.ORG ")]
    )
    parsed = application_form.parse(form, eligible=["FR"], today=date(2027, 3, 1))
    assert gettext("en", parsed.errors["contact_email"]) == (
        "Applicant's e-mail address: enter an e-mail address like name@example.org."
    )
    assert parsed.values["contact_email"] == "a@x.org, b@y.org"  # kept as typed for the page
    assert "contact_email" not in parsed.clean
    assert parsed.clean["contact_person_email"] == "ana@example.org"


def test_the_staff_invitation_refuses_a_group_in_the_form_and_in_the_domain(db, clock):
    result = staff_forms.parse_invitation(
        FormData({"email": "g:b@x.org;", "role": "adviser", "language": "en"})
    )
    assert result.errors["email"].msgid == "Enter an e-mail address like name@example.org."
    assert result.values["email"] == "g:b@x.org;"
    mailer = staff.Mailer(make_signer(clock), lambda token: f"http://testserver/{token}")
    with db.write() as session, pytest.raises(DomainError) as refused:
        staff.invite_staff(
            session=session, actor=audit.SYSTEM, mailer=mailer, now=clock(), email="g:b@x.org;"
        )
    assert refused.value.field == "email"
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Staff)).one() == 0
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0


def test_adding_a_juror_refuses_an_address_that_is_not_one_mailbox(db):
    made = jury_factories.make(db)
    for typed in ("lena@x.org,omar@y.org", "<lena@x.org>", '"Lena N"@x.org'):
        with pytest.raises(DomainError) as refused:
            add_juror(db, made, juror_data(email=typed))
        assert (refused.value.field, refused.value.message.msgid) == (
            "email",
            "Give a valid e-mail address.",
        )
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Juror)).one() == 0


def test_forgot_password_refuses_a_group_next_to_the_field(client, officer, sqlite_db):
    assert staff_forms.email_error("g:officer@example.org;") is not None
    page = staff_post(client, "/secretariat/password/forgot", {"email": "g:officer@example.org;"})
    page = refused_page(client, page)
    assert "Enter an e-mail address like name@example.org." in page.text
    assert 'value="g:officer@example.org;"' in page.text
    with sqlite_db.read() as session:
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0


# --------------------------------------------------------------------------- a page


def test_the_start_page_refuses_two_mailboxes_next_to_the_field_with_what_was_typed(
    client, open_call, sqlite_db
):
    page = client.post(
        "/apply",
        data={
            "email": "me,boss@example.org",
            "title": "Friday coffee",
            "csrf_token": csrf_of(client, "/apply"),
        },
    )
    page = refused_page(client, page)
    error = re.search(r'<p class="error" id="email-error">([^<]*)</p>', page.text)
    assert error and error.group(1) == "Enter an e-mail address like name@example.org."
    assert 'value="me,boss@example.org"' in page.text
    assert 'value="Friday coffee"' in page.text
    with sqlite_db.read() as session:
        assert session.exec(select(func.count()).select_from(Application)).one() == 0
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0
