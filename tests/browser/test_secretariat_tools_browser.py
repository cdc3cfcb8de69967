"""The secretariat's tools in a real browser at 1366 and 1024 px, with axe-core: the translation
page (a labelled box per text the jury reads), an internal note, the guardian's signed form,
the jury pack's zip downloaded, and a new edition from the previous one."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest

from prize.models import ApplicationStatus, EditionState
from tests import factories
from tests.browserkit import assert_accessible, html
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


def _world(database, storage):
    with database.write() as session:
        edition = factories.edition(session=session, year=2027, state=EditionState.screening)
        app = factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            language="fr",
            title="Café du vendredi",
            attachments=[("plan.pdf", factories.PDF)],
            storage_dir=storage,
        )
        minor = factories.juror(
            session=session,
            edition=edition,
            birth_date=date(2011, 5, 4),
            guardian_name="Mira Novak",
            guardian_consent_at=factories.OPENS,
        )
        return app.id, minor.id


@pytest.mark.parametrize("width", [1366, 1024])
def test_translation_notes_guardian_form_files_and_a_new_edition(
    live_server, browser, settings, tmp_path, width
):
    make_staff(live_server.database, live_server.clock())
    app_id, minor_id = _world(live_server.database, settings.storage_dir)
    context = browser.new_context(
        viewport={"width": width, "height": 800}, locale="en-GB", accept_downloads=True
    )
    page, base = context.new_page(), live_server.url
    page.goto(base + "/secretariat")
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{base}/secretariat/applications/{app_id}/translation")
    assert_accessible(page)
    page.get_by_label("Title, in English").fill("Friday Coffee")
    page.get_by_label("Youth involvement — Evaluation, in English").fill("They decide together.")
    page.get_by_role("button", name="Save the translation").click()
    page.wait_for_url(f"**/secretariat/applications/{app_id}")
    assert "partly translated" not in html(page)  # the dossier, not the list

    page.get_by_label("New note").fill("Phoned them: the budget follows.")
    page.get_by_role("button", name="Add the note").click()
    assert "Phoned them: the budget follows." in html(page)
    assert_accessible(page)

    page.goto(f"{base}/secretariat/jurors/{minor_id}")
    assert "signed form needed before the invitation" in html(page)
    form = tmp_path / "signed consent.pdf"
    form.write_bytes(factories.PDF)
    page.get_by_label("The guardian's signed consent form").set_input_files(str(form))
    page.get_by_role("button", name="Upload the signed form").click()
    assert "Signed form: signed consent.pdf" in html(page)
    assert page.get_by_role("button", name="Invite: e-mail the ballot link").is_enabled()
    assert_accessible(page)

    page.goto(f"{base}/secretariat/editions/2027")
    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Download the supporting files of the eligible applications (zip)"
        ).click()
    archive = tmp_path / "pack.zip"
    download.value.save_as(archive)
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(archive) as pack:
        names = pack.namelist()
        assert len(names) == 1 and names[0].endswith(".pdf")
        assert pack.read(names[0]) == factories.PDF
    assert_accessible(page)
    page.get_by_role("link", name="Start a new edition from this one").click()
    page.wait_for_url("**/copy")
    assert_accessible(page)
    page.get_by_role("button", name="Create the new edition").click()
    assert page.get_by_label("Year").input_value() == "2028"
    assert page.get_by_label("Title in English").input_value() == (
        "European Drug Prevention Prize 2028"
    )
    context.close()
