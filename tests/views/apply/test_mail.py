"""The applicant's e-mails through a real SMTP server: the resume link, the confirmation and the
reminders arrive, and the links in them work."""

from __future__ import annotations

import re
from datetime import timedelta

from prize.domain.applicants import reminders
from tests.appkit import csrf_of
from tests.applykit import (
    APPLICANT,
    CALL_DEADLINE,
    complete_form,
    link_maker,
    links_in,
    start_application,
)
from tests.mailkit import body_of


def link_in(body: str) -> str:
    match = re.search(r"http://testserver(/apply/link/[^\s]+)", body)
    assert match, body
    return match.group(1)


def start_through_the_page(client, title="Friday coffee", language="en"):
    response = client.post(
        "/apply",
        data={
            "email": APPLICANT,
            "title": title,
            "language": language,
            "csrf_token": csrf_of(client, "/apply"),
        },
    )
    assert response.status_code == 303


def test_the_resume_link_arrives_and_opens_the_application(
    client, open_call, sqlite_db, smtp, clock
):
    start_through_the_page(client)
    assert smtp.deliver(sqlite_db, clock()) == 1
    [message] = smtp.inbox.to(APPLICANT)
    assert message["Subject"] == "Your application link: Friday coffee"
    path = link_in(body_of(message))
    response = client.get(path)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert '<p class="lead">Friday coffee</p>' in page.text


def test_a_french_applicant_gets_mail_in_french(client, open_call, sqlite_db, smtp, clock):
    from prize.i18n import gettext

    start_through_the_page(client, language="fr")
    smtp.deliver(sqlite_db, clock())
    [message] = smtp.inbox.to(APPLICANT)
    expected = gettext("fr", "Your application link: %(title)s", title="Friday coffee")
    assert message["Subject"] == expected
    assert gettext("fr", "Hello,") in body_of(message)


def test_the_confirmation_arrives_with_the_reference_and_a_summary(
    applicant, sqlite_db, smtp, clock
):
    client, application = applicant
    smtp.deliver(sqlite_db, clock())
    smtp.inbox.clear()
    token = csrf_of(client, f"/apply/{application.id}")
    client.post(
        f"/apply/{application.id}",
        data={**complete_form(), "action": "submit", "csrf_token": token},
    )
    assert smtp.deliver(sqlite_db, clock()) == 1
    [message] = smtp.inbox.to(APPLICANT)
    assert message["Subject"] == "Application received: EDPP-2027-0001"
    body = body_of(message)
    assert "Reference: EDPP-2027-0001" in body
    assert "- Organisation: Youth Theatre Sarajevo" in body
    assert "- Countries: Bosnia and Herzegovina, Croatia" in body
    opened = client.get(link_in(body))
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/apply/{application.id}"


def test_the_link_sent_again_is_the_current_one(client, applicant, sqlite_db, smtp, clock):
    _, application = applicant
    client.post(
        "/apply/resend", data={"email": APPLICANT, "csrf_token": csrf_of(client, "/apply/resend")}
    )
    smtp.deliver(sqlite_db, clock())
    resent = [m for m in smtp.inbox.to(APPLICANT) if m["Subject"] == "Your application links"]
    assert len(resent) == 1
    assert links_in(body_of(resent[0])) == [(application.id, application.link_version)]


def test_reminders_arrive_and_their_link_works(client, open_call, sqlite_db, smtp, clock):
    application = start_application(sqlite_db, clock())
    week_before = CALL_DEADLINE - timedelta(days=7)
    with sqlite_db.write() as session:
        queued = reminders.queue_deadline_reminders(
            session=session, now=week_before, links=link_maker()
        )
    assert queued == 1
    smtp.deliver(sqlite_db, week_before)
    [reminder] = [m for m in smtp.inbox.to(APPLICANT) if "left to submit" in m["Subject"]]
    assert reminder["Subject"] == "One week left to submit your application"
    assert "Street theatre against drugs" in body_of(reminder)
    clock.set(week_before)
    opened = client.get(link_in(body_of(reminder)))
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/apply/{application.id}/tasks"
    assert (
        '<p class="lead">Street theatre against drugs</p>'
        in client.get(opened.headers["location"]).text
    )


def test_the_sender_loop_queues_reminders_on_each_pass(settings, sqlite_db, smtp, clock):
    import threading

    from prize.app import _sender_loop, create_app
    from tests.applykit import make_call

    make_call(sqlite_db, clock())
    start_application(sqlite_db, clock())
    clock.set(CALL_DEADLINE - timedelta(hours=12))
    app = create_app(
        settings.with_(smtp_url=smtp.url, outbox_interval=0.05), clock=clock, database=sqlite_db
    )
    stop = threading.Event()
    thread = threading.Thread(target=_sender_loop, args=(app, stop), daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if any("left to submit" in (m["Subject"] or "") for m in smtp.inbox.messages):
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=5)
    subjects = [m["Subject"] for m in smtp.inbox.to(APPLICANT)]
    assert "One day left to submit your application" in subjects


def test_prize_reminders_queues_what_is_due(sqlite_db, monkeypatch, capsys):
    from sqlmodel import select

    from prize.cli import main
    from prize.models import OutboxMessage, utcnow
    from tests.appkit import TEST_KEYS
    from tests.applykit import make_call

    now = utcnow()
    make_call(
        sqlite_db,
        now - timedelta(days=30),
        opens_at=now - timedelta(days=30),
        deadline=now + timedelta(days=3),
    )
    start_application(sqlite_db, now - timedelta(days=20))
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", ",".join(TEST_KEYS))
    assert main(["reminders"]) == 0
    assert capsys.readouterr().out == "Queued 1 deadline reminders.\n"
    with sqlite_db.read() as session:
        kinds = [m.kind for m in session.exec(select(OutboxMessage))]
    assert kinds.count("application_reminder") == 1
