"""The juror's pages as a juror reads them: each criterion scored on its scale with its weight and
band descriptors, the save status with the time of the last save, previous/next, the list's
states with the juror's weighted score, the review page as cards with the juror's own ranking,
and a sign-out that asks first."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from prize import formats
from prize.domain.editions import bands
from prize.models import Criterion, Score
from tests import htmlpages, jury_factories
from tests.appkit import csrf_of


@pytest.fixture
def made(sqlite_db, clock):
    """A first round with two criteria (youth participation counts double), four applications
    and one onboarded juror."""
    with sqlite_db.write() as session:
        made = jury_factories.jury_edition(session=session, applications=4)
        second = session.get_one(Criterion, made.criteria[1].id)
        second.name_en, second.name_fr = "Youth participation", "Participation des jeunes"
        second.weight = 2.0
        second.bands = [["Young people only receive it.", "Les jeunes ne font que le recevoir."]]
        session.add(second)
        made.jurors.append(
            jury_factories.juror(
                session=session, edition=made.edition, onboarded=True, first_name="Lena"
            )
        )
    return made


@pytest.fixture
def juror(client, made, clock):
    response = client.get(jury_factories.link_path(made.jurors[0], clock))
    assert response.headers["location"] == "/ballot"
    return client


def _save(sqlite_db, clock, made, app, **kwargs):
    jury_factories.save_entry(sqlite_db, clock(), made, app, **kwargs)


def _marks(made, first, second):
    return {made.criteria[0].id: first, made.criteria[1].id: second}


def _path(made, app):
    return f"/ballot/applications/{made.applications[app].reference}"


# --------------------------------------------------------------------------- scoring


def test_each_criterion_is_a_scale_of_radio_buttons_with_its_weight_and_bands(juror, made):
    page = juror.get(_path(made, 0))
    c2 = made.criteria[1].id
    radios = re.findall(rf'<input type="radio" name="score-{c2}" value="(\d+)"', page.text)
    assert radios == [str(v) for v in range(11)]
    assert f'<fieldset class="score" id="score-{c2}" aria-describedby="score-{c2}-bands">' in (
        page.text
    )
    assert '<legend>Youth participation <span class="weight">counts double</span></legend>' in (
        page.text
    )
    assert re.search(r"<legend>Innovation\s*</legend>", page.text)  # the lighter: no tag
    # Each band: its range and its sentence, the secretariat's or the default.
    assert "<li><strong>0–2</strong> Young people only receive it.</li>" in page.text
    assert f"<li><strong>9–10</strong> {bands.DEFAULTS[3]}</li>" in page.text
    assert 'type="number"' not in page.text
    htmlpages.save("ballot_application_guided", page.text)


def test_the_bands_are_in_the_readers_language(juror, made):
    token = csrf_of(juror, _path(made, 0))
    juror.post("/language", data={"lang": "fr", "next": _path(made, 0), "csrf_token": token})
    page = juror.get(_path(made, 0))
    assert "<li><strong>0–2</strong> Les jeunes ne font que le recevoir.</li>" in page.text
    assert bands.defaults_in("fr")[3] in page.text
    assert "compte double" in page.text


def test_a_plain_post_of_the_checked_radios_saves_them_without_javascript(juror, made, sqlite_db):
    c1, c2 = (c.id for c in made.criteria)
    path = _path(made, 0)
    response = juror.post(
        path, data={f"score-{c1}": "7", f"score-{c2}": "9", "csrf_token": csrf_of(juror, path)}
    )
    assert response.headers["location"] == f"{path}#scores"
    page = juror.get(path)
    assert f'name="score-{c1}" value="7" checked>' in page.text
    assert f'name="score-{c2}" value="9" checked>' in page.text
    with sqlite_db.read() as session:
        assert sorted(s.value for s in session.exec(select(Score))) == [7, 9]


def _top_and_scores(page: str) -> tuple[str, str]:
    """A project's page: what comes before its scores, and its scores."""
    top, scores = page.split('<section id="scores"', 1)
    return top, scores.split("</section>", 1)[0]


def test_save_comes_back_to_the_scores_saying_so_and_what_is_still_to_score(juror, made):
    c1, c2 = (c.id for c in made.criteria)
    path = _path(made, 0)
    response = juror.post(path, data={f"score-{c1}": "7", "csrf_token": csrf_of(juror, path)})
    assert response.headers["location"] == f"{path}#scores"
    top, scores = _top_and_scores(juror.get(path).text)
    notice = '<p class="notice" role="status">Saved. Still to score: Youth participation.</p>'
    assert notice in scores
    assert "Saved." not in top
    # Scored in full, it only says so; a refusal comes back to the scores too.
    juror.post(path, data={f"score-{c2}": "5", "csrf_token": csrf_of(juror, path)})
    assert '<p class="notice" role="status">Saved.</p>' in _top_and_scores(juror.get(path).text)[1]
    refused = juror.post(path, data={"abstain": "yes", "csrf_token": csrf_of(juror, path)})
    assert re.fullmatch(rf"{path}\?refused=[\w-]+#scores", refused.headers["location"])
    # "Save and go to the next project" says so at the top of the next one.
    following = juror.post(
        path, data={f"score-{c1}": "8", "next": "yes", "csrf_token": csrf_of(juror, path)}
    )
    assert following.headers["location"] == _path(made, 1)
    top, scores = _top_and_scores(juror.get(_path(made, 1)).text)
    assert '<p class="notice" role="status">Saved.</p>' in top
    assert "Saved." not in scores


def test_the_status_says_when_the_project_was_last_saved(juror, made, sqlite_db, clock):
    before = juror.get(_path(made, 0))
    assert 'data-state="idle">Nothing saved yet</p>' in before.text
    _save(sqlite_db, clock, made, 0, scores={made.criteria[0].id: 4})
    after = juror.get(_path(made, 0))
    time = formats.clock(clock(), "en")
    assert f'<p id="autosave-status" class="save-state" data-state="saved">Saved at {time}</p>' in (
        after.text
    )
    # The retry button waits hidden for a failed save; the announcer starts empty.
    assert '<button type="button" id="autosave-retry" hidden>Retry now</button>' in after.text
    assert '<p id="autosave-announce" class="visually-hidden" role="status"' in after.text


def test_previous_and_next_link_the_neighbouring_projects(juror, made):
    first = juror.get(_path(made, 0)).text
    middle = juror.get(_path(made, 1)).text
    last = juror.get(_path(made, 3)).text
    assert 'rel="prev"' not in first
    assert f'<a rel="next" href="{_path(made, 1)}">Next project' in first
    assert f'<a rel="prev" href="{_path(made, 0)}">Previous project' in middle
    assert f'<a rel="next" href="{_path(made, 2)}">Next project' in middle
    assert 'rel="next"' not in last


# --------------------------------------------------------------------------- the list


def test_the_list_shows_each_projects_state_and_the_jurors_weighted_score(
    juror, made, sqlite_db, clock
):
    _save(sqlite_db, clock, made, 0, scores=_marks(made, 4, 7))  # (4 + 2 * 7) / 3 = 6
    _save(sqlite_db, clock, made, 1, scores={made.criteria[0].id: 8})
    _save(sqlite_db, clock, made, 2, abstain=True, abstain_reason="I know the team")
    page = juror.get("/ballot").text
    rows = re.findall(r"<li><a href=\"/ballot/applications/[^>]+>.*?</li>", page, re.S)
    assert len(rows) == 4
    assert re.search(r'Scored</span>\s*<span class="total">Your score: 6.00</span>', rows[0])
    assert "Partly scored" in rows[1] and "Your score" not in rows[1]
    assert "Abstained" in rows[2]
    assert "Not started" in rows[3]


# --------------------------------------------------------------------------- the review page


def test_the_review_page_shows_cards_ranking_missing_scores_comments_and_abstentions(
    juror, made, sqlite_db, clock
):
    _save(sqlite_db, clock, made, 0, scores=_marks(made, 4, 7), comment="Good street work")
    _save(sqlite_db, clock, made, 1, scores=_marks(made, 9, 9))
    _save(sqlite_db, clock, made, 2, scores={made.criteria[0].id: 3})
    _save(sqlite_db, clock, made, 3, abstain=True, abstain_reason="My cousin volunteers there")
    page = juror.get("/ballot/submit").text
    assert "<table" not in page  # cards, never a wide table on a phone
    cards = re.findall(r'<li class="card[^"]*">.*?</li>\n', page, re.S)
    assert len(cards) == 4
    first, second, third, fourth = cards
    assert "Your score: 6.00 · <strong>your place: 2 of 2</strong>" in first
    assert "Your comment:</span> Good street work" in first
    assert "your place: 1 of 2" in second
    assert third.startswith('<li class="card incomplete">')
    assert "Still to score: Youth participation." in third
    assert f'<a href="{_path(made, 2)}#scores">Score it</a>' in third
    assert "Abstained: My cousin volunteers there" in fourth
    ranking = page.split('<ol class="ranking">', 1)[1].split("</ol>", 1)[0]
    places = re.findall(r'<span class="place">(\d+)</span> <span lang="en">([^<]+)</span>', ranking)
    assert places == [("1", cards_title(second)), ("2", cards_title(first))]
    assert "Submit my ballot" not in page  # one project still needs a score
    htmlpages.save("ballot_review_cards", page)


def cards_title(card: str) -> str:
    found = re.search(r'lang="en">([^<]+)</a></h3>', card)
    assert found is not None
    return found.group(1)


# --------------------------------------------------------------------------- signing out


def test_sign_out_is_apart_from_the_language_switch_and_asks_first(juror, made):
    page = juror.get("/ballot").text
    header = page.split("</header>", 1)[0]
    assert "Sign out" not in header  # the header holds the language switch
    assert '<p class="who">Signed in as Lena · <a href="/ballot/sign-out">Sign out</a></p>' in page
    confirm = juror.get("/ballot/sign-out")
    assert "<h1>Sign out of your ballot?</h1>" in confirm.text
    assert "you need the personal link from the secretariat's e-mail" in confirm.text
    assert juror.get("/ballot").status_code == 200  # asking signed nobody out
    htmlpages.save("ballot_sign_out", confirm.text)


def test_sign_out_confirmed_ends_the_session(juror, made):
    token = csrf_of(juror, "/ballot/sign-out")
    done = juror.post("/ballot/sign-out", data={"csrf_token": token})
    assert done.headers["location"] == "/ballot/signed-out"  # the answer is a GET
    done = juror.get("/ballot/signed-out")
    assert "<h1>Signed out</h1>" in done.text
    assert "Open your personal link" in juror.get("/ballot").text
