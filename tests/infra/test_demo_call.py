"""The demo's open 2027 call comes with applications made through the applicant's own steps."""

from __future__ import annotations

import re

from sqlmodel import col, select
from starlette.testclient import TestClient

from prize.app import create_app
from prize.demo import DemoReport, call2027
from prize.domain.shared import audit
from prize.models import Application, ApplicationStatus


def test_the_2027_demo_call_has_submitted_and_draft_applications(settings, sqlite_db, clock):
    report = DemoReport()
    call2027.build(database=sqlite_db, settings=settings, now=clock(), report=report)
    with sqlite_db.read() as session:
        rows = session.exec(select(Application).order_by(col(Application.id))).all()
        assert [(a.status, a.reference) for a in rows] == [
            (ApplicationStatus.submitted, "EDPP-2027-0001"),
            (ApplicationStatus.submitted, "EDPP-2027-0002"),
            (ApplicationStatus.submitted, "EDPP-2027-0003"),
            (ApplicationStatus.draft, None),
            (ApplicationStatus.draft, None),
        ]
        assert audit.verify(session=session).ok
    assert len(list(settings.storage_dir.iterdir())) == 1  # the leaflet attached to Peer Radio
    app = create_app(settings, clock=clock, database=sqlite_db)
    with TestClient(app, follow_redirects=True) as client:
        for label, path in report.links:
            if "/apply/link/" in path:
                page = client.get(path)
                assert page.status_code == 200, label
                assert re.fullmatch(r"/apply/\d+(/tasks)?", page.url.path), (
                    label
                )  # a draft's task list
                assert "Confirm your e-mail address" not in page.text, label
        assert "Peer Radio" in client.get("/apply/mine").text
