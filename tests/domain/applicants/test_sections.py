"""The state of each section of the form, as the task list shows it: not started, in progress,
complete, has errors (a given answer that breaks a rule); the files are optional."""

from __future__ import annotations

from datetime import date

import pytest

from prize.domain.applicants import sections
from prize.domain.applicants.sections import State
from prize.models import ApplicationContent
from tests.applykit import content_values, make_call

TODAY = date(2027, 3, 1)


@pytest.fixture
def edition(sqlite_db, clock):
    return make_call(sqlite_db, clock())


def states(content, edition, files=0):
    return {t.key: t.state for t in sections.tasks(content, edition, TODAY, files=files)}


def test_a_new_draft_has_only_its_title(edition):
    content = ApplicationContent(application_id=1, title="Street theatre", contact_email="a@b.org")
    assert states(content, edition) == {
        "project": State.in_progress,  # the title, given on the start page
        "contacts": State.not_started,  # the address, copied from the start page, is not typed
        "description": State.not_started,
        "files": State.not_started,
        "consents": State.not_started,
    }
    assert not sections.all_complete(sections.tasks(content, edition, TODAY, files=0))


def test_a_complete_draft_is_complete_without_files(edition):
    content = ApplicationContent(application_id=1, **content_values())
    items = sections.tasks(content, edition, TODAY, files=0)
    assert [t.key for t in items] == ["project", "contacts", "description", "files", "consents"]
    assert {t.key: t.state for t in items} == {
        "project": State.complete,
        "contacts": State.complete,
        "description": State.complete,
        "files": State.not_started,
        "consents": State.complete,
    }
    assert [t.key for t in items if t.optional] == ["files"]
    assert sections.all_complete(items)
    assert states(content, edition, files=2)["files"] is State.complete


def test_an_answer_that_breaks_a_rule_marks_its_section(edition):
    too_long = " ".join(["word"] * 101)
    content = ApplicationContent(application_id=1, **content_values(goals=too_long))
    assert states(content, edition)["description"] is State.has_errors
    future = ApplicationContent(application_id=1, **content_values(start_date=date(2028, 1, 1)))
    assert states(future, edition)["project"] is State.has_errors
    abroad = ApplicationContent(application_id=1, **content_values(countries=["US"]))
    assert states(abroad, edition)["project"] is State.has_errors


def test_the_problems_are_the_rules_broken_by_answers_given_not_the_answers_missing(edition):
    content = ApplicationContent(
        application_id=1,
        **content_values(
            start_date=date(2028, 1, 1),
            goals=" ".join(["word"] * 101),
            organisation="",
            phone="",
            consent_processing=False,
        ),
    )
    found = {name: m.msgid for name, m in sections.problems(content, edition, TODAY)}
    assert found == {
        "start_date": "The start date cannot be to come: the prize rewards work already done.",
        "goals": "%(field)s must be %(limit)s words or fewer; yours has %(n)s.",
    }
    assert sections.problems(None, edition, TODAY) == []
    assert sections.problems(ApplicationContent(application_id=1), edition, TODAY) == []


def test_a_missing_answer_is_in_progress_not_an_error(edition):
    ended = ApplicationContent(
        application_id=1, **content_values(still_running=False, end_date=None)
    )
    assert states(ended, edition)["project"] is State.in_progress
    involvement = dict(content_values()["involvement"])
    involvement["strategy"] = {"involved": True, "how": ""}
    content = ApplicationContent(application_id=1, **content_values(involvement=involvement))
    assert states(content, edition)["description"] is State.in_progress


def test_consents_need_the_processing_one_only(edition):
    none = ApplicationContent(
        application_id=1,
        **content_values(
            consent_processing=False, consent_publication=False, consent_summary=False
        ),
    )
    assert states(none, edition)["consents"] is State.not_started
    publication_only = ApplicationContent(
        application_id=1,
        **content_values(consent_processing=False, consent_summary=False),
    )
    assert states(publication_only, edition)["consents"] is State.in_progress
    processing_only = ApplicationContent(
        application_id=1,
        **content_values(consent_publication=False, consent_summary=False),
    )
    assert states(processing_only, edition)["consents"] is State.complete


def test_every_field_of_the_form_is_in_exactly_one_section():
    from prize.domain.applicants.drafts import CONTENT_FIELDS, PAGE_ORDER

    fields = [name for s in sections.SECTIONS for name in s.fields]
    assert fields == list(PAGE_ORDER)
    stored = [name for s in sections.SECTIONS for name in s.stored]
    assert sorted(stored) == sorted(CONTENT_FIELDS)
    assert sections.section_of("link_2") is sections.BY_KEY["description"]
