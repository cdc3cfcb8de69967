"""A new edition from an earlier one: criteria, texts, countries and settings copied, every date
moved on by the same number of years in Paris time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from prize.domain.editions import copying, criteria
from prize.domain.errors import Conflict, DomainError
from prize.domain.shared import audit
from prize.models import AuditEvent, Criterion, EditionState
from tests import factories

NOW = datetime(2027, 12, 1, tzinfo=UTC)


def test_a_copy_carries_criteria_texts_countries_and_moves_the_dates(db):
    with db.write() as session:
        source = factories.edition(
            session=session,
            year=2027,
            state=EditionState.published,
            call_en="Apply now.",
            call_fr="Candidatez.",
            prize_en="EUR 5,000",
            eligible_countries=["BA", "FR", "XK"],
            # 31 March 2027 at 23:59 in Paris (CEST): refused from 00:00 on 1 April, 22:00 UTC
            deadline=datetime(2027, 3, 31, 22, tzinfo=UTC),
            opens_at=datetime(2027, 1, 15, 8, tzinfo=UTC),  # 09:00 in Paris (CET)
            announce_at=datetime(2027, 11, 20, 9, tzinfo=UTC),
            shortlist_size=5,
            scale_max=5,
            quorum=4,
            shortlist_embargo=False,
        )
        session.add(
            Criterion(
                edition_id=source.id,
                position=2,
                name_en="Youth involvement",
                name_fr="Participation des jeunes",
                description_en="How young people shape it.",
                description_fr="Comment les jeunes le façonnent.",
                weight=2,
                bands=[["Nobody young asked.", "Personne de jeune n’est consulté."], ["", ""]],
            )
        )
        session.flush()
        copy = copying.copy_edition(
            session=session, actor=audit.SYSTEM, now=NOW, source=source, year=2029
        )
        names = [
            (c.name_en, c.name_fr, c.description_fr, c.weight)
            for c in criteria.criteria_of(session=session, edition=copy)
        ]
        bands = [c.bands for c in criteria.criteria_of(session=session, edition=copy)]
        kinds = list(session.exec(select(AuditEvent.kind).order_by(col(AuditEvent.id))))
    assert copy.state is EditionState.draft
    assert (copy.title_en, copy.title_fr) == (
        "European Drug Prevention Prize 2029",
        "Prix européen de prévention des drogues 2029",
    )
    assert (copy.call_en, copy.call_fr, copy.prize_en) == ("Apply now.", "Candidatez.", "EUR 5,000")
    assert copy.eligible_countries == ["BA", "FR", "XK"]
    assert (copy.shortlist_size, copy.scale_max, copy.quorum) == (5, 5, 4)
    assert copy.shortlist_embargo is False  # the shortlist e-mail as the source sent it
    assert names == [
        ("Innovation", "Innovation", "", 1.0),
        ("Youth involvement", "Participation des jeunes", "Comment les jeunes le façonnent.", 2.0),
    ]
    assert bands == [[], [["Nobody young asked.", "Personne de jeune n’est consulté."], ["", ""]]]
    # The same wall-clock minute in Paris, two years on.
    assert copy.opens_at == datetime(2029, 1, 15, 8, tzinfo=UTC)
    assert copy.deadline == datetime(2029, 3, 31, 22, tzinfo=UTC)
    assert copy.announce_at == datetime(2029, 11, 20, 9, tzinfo=UTC)
    assert kinds == ["edition.created", "edition.copied"]


def test_dates_keep_their_paris_time_across_a_daylight_saving_change():
    # 28 March 2026, 12:00 in Paris is winter time (11:00 UTC); on 28 March 2027 the clocks
    # have gone forward, and 12:00 in Paris is 10:00 UTC.
    assert copying.moved_on(datetime(2026, 3, 28, 11, tzinfo=UTC), 1) == datetime(
        2027, 3, 28, 10, tzinfo=UTC
    )
    assert copying.moved_on(datetime(2028, 2, 29, 11, tzinfo=UTC), 1) == datetime(
        2029, 2, 28, 11, tzinfo=UTC
    )


def test_a_copy_into_a_year_taken_is_refused(db):
    with db.write() as session:
        source = factories.edition(session=session, year=2027)
        factories.edition(session=session, year=2028)
        with pytest.raises(Conflict):
            copying.copy_edition(
                session=session, actor=audit.SYSTEM, now=NOW, source=source, year=2028
            )
        rehearsal = copying.copy_edition(
            session=session, actor=audit.SYSTEM, now=NOW, source=source, year=2028, rehearsal=True
        )
    assert rehearsal.rehearsal


@pytest.mark.parametrize("year", [-4077933, 1999, 2101])
def test_a_copy_into_a_year_out_of_range_is_refused_before_any_date_moves(db, year):
    with db.write() as session:
        source = factories.edition(session=session, year=2027)
        with pytest.raises(DomainError) as refused:
            copying.copy_edition(
                session=session, actor=audit.SYSTEM, now=NOW, source=source, year=year
            )
    assert refused.value.field == "year"
    assert refused.value.message.msgid == "Enter a year between 2000 and 2100."
