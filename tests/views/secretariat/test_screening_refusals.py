"""A screening request for information with a due date that is not a date is refused next to the
field, and what was typed stays."""

from __future__ import annotations

from prize.models import Application, ApplicationStatus
from tests.appkit import csrf_of, refused_page


def test_information_request_with_a_malformed_date_is_refused(
    staff_client, screening_applications, sqlite_db
):
    app = screening_applications["second"]
    path = f"/secretariat/applications/{app.id}"
    response = staff_client.post(
        f"{path}/screening",
        data={
            "csrf_token": csrf_of(staff_client, path),
            "outcome": "returned",
            "returned-info_message": "Your budget, please",
            "returned-info_due": "31/07/2027",
        },
    )
    response = refused_page(staff_client, response)
    assert 'id="returned-info_due-error">Enter a date like 2027-07-31.' in response.text
    assert 'value="31/07/2027"' in response.text
    assert "Your budget, please</textarea>" in response.text
    with sqlite_db.read() as session:
        assert session.get_one(Application, app.id).status is ApplicationStatus.submitted
