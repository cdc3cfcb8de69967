"""The secretariat writes each criterion's band descriptors, in English and French, on the
criterion's form; blank sentences keep the defaults, which the form shows."""

from __future__ import annotations

from sqlmodel import select

from prize.domain.editions import bands
from prize.models import Criterion, EditionState
from tests import factories, htmlpages
from tests.appkit import refused_page
from tests.staffkit import staff_post


def _edition(db):
    with db.write() as session:
        return factories.edition(session=session, state=EditionState.draft)


def _criterion(db) -> Criterion:
    with db.read() as session:
        return session.exec(select(Criterion)).one()


def test_the_form_shows_each_band_of_the_scale_with_its_default(staff_client, sqlite_db):
    _edition(sqlite_db)
    page = staff_client.get(f"/secretariat/editions/2027/criteria/{_criterion(sqlite_db).id}")
    assert '<label for="band-0-en">Scores 0 to 2, in English</label>' in page.text
    assert '<label for="band-3-fr">Scores 9 to 10, in French</label>' in page.text
    assert f'id="band-0-en-hint">Default: <span lang="en">{bands.DEFAULTS[0]}</span></p>' in (
        page.text
    )
    french = bands.defaults_in("fr")[0]
    assert f'id="band-0-fr-hint">Default: <span lang="fr">{french}</span></p>' in page.text
    htmlpages.save("secretariat_criterion_bands", page.text)


def test_sentences_are_saved_and_shown_again(staff_client, sqlite_db):
    _edition(sqlite_db)
    criterion = _criterion(sqlite_db)
    path = f"/secretariat/editions/2027/criteria/{criterion.id}"
    response = staff_post(
        staff_client,
        path,
        {
            "name_en": criterion.name_en,
            "weight": "1",
            "band-0-en": "Nothing new.",
            "band-0-fr": "Rien de nouveau.",
            "band-3-en": "Original.",
        },
    )
    assert response.headers["location"] == "/secretariat/editions/2027"
    assert _criterion(sqlite_db).bands == [
        ["Nothing new.", "Rien de nouveau."],
        ["", ""],
        ["", ""],
        ["Original.", ""],
    ]
    page = staff_client.get(path)
    assert 'name="band-0-fr" value="Rien de nouveau."' in page.text


def test_blank_sentences_keep_the_defaults(staff_client, sqlite_db):
    _edition(sqlite_db)
    criterion = _criterion(sqlite_db)
    staff_post(
        staff_client,
        f"/secretariat/editions/2027/criteria/{criterion.id}",
        {"name_en": criterion.name_en, "weight": "1", "band-1-en": "  "},
    )
    assert _criterion(sqlite_db).bands == []


def test_a_sentence_too_long_is_refused_beside_it_and_kept(staff_client, sqlite_db):
    _edition(sqlite_db)
    criterion = _criterion(sqlite_db)
    long = "x" * (bands.MAX_BAND + 1)
    page = staff_post(
        staff_client,
        f"/secretariat/editions/2027/criteria/{criterion.id}",
        {"name_en": criterion.name_en, "weight": "1", "band-2-fr": long},
    )
    page = refused_page(staff_client, page)
    assert 'id="band-2-fr-error">Use at most 300 characters.</p>' in page.text
    assert f'value="{long}"' in page.text
    assert _criterion(sqlite_db).bands == []
