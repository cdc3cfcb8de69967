"""Band descriptors: the scale cut in four, a sentence per band in English and French set by the
secretariat, defaults where none is written, kept through the real domain functions."""

from __future__ import annotations

import pytest

from prize.domain.editions import bands, criteria
from prize.domain.editions.criteria import CriterionSpec
from prize.domain.errors import DomainError
from prize.domain.shared import audit
from prize.models import Criterion, Edition, EditionState
from tests import factories


def test_the_default_scale_is_cut_as_jurors_read_it():
    assert bands.ranges(0, 10) == [(0, 2), (3, 5), (6, 8), (9, 10)]


def test_other_scales_are_cut_in_four_without_gaps_or_overlaps():
    assert bands.ranges(1, 5) == [(1, 2), (3, 3), (4, 4), (5, 5)]
    assert bands.ranges(1, 20) == [(1, 5), (6, 10), (11, 15), (16, 20)]
    assert bands.ranges(0, 2) == [(0, 0), (1, 1), (2, 2)]  # fewer values than bands


def _edition(db, clock) -> int:
    with db.write() as session:
        return factories.edition(session=session, state=EditionState.draft).id


def _spec(**sentences: tuple[str, str]) -> CriterionSpec:
    return CriterionSpec(
        name_en="Active youth participation",
        description_en="Young people shape the project.",
        weight=2.0,
        bands=tuple(sentences.values()),
    )


def test_written_sentences_are_kept_and_blanks_fall_back_to_the_defaults(db, clock):
    edition_id = _edition(db, clock)
    with db.write() as session:
        edition = session.get_one(Edition, edition_id)
        added = criteria.add(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            edition=edition,
            spec=_spec(
                weak=("Young people only receive it.", "Les jeunes ne font que le recevoir."),
                fair=("", ""),
                good=("Young people decide some of it.", ""),
                excellent=("", ""),
            ),
        )
        criterion_id = added.id
    with db.read() as session:
        stored = session.get_one(Criterion, criterion_id)
        shown = bands.bands_of(stored, session.get_one(Edition, edition_id))
    assert [(b.low, b.high) for b in shown] == [(0, 2), (3, 5), (6, 8), (9, 10)]
    assert [b.text("fr") for b in shown] == [
        "Les jeunes ne font que le recevoir.",
        "",  # the default, translated where it is shown
        "Young people decide some of it.",  # no French written: the English one
        "",
    ]
    assert shown[1].default == "Fair: some of it is there, with clear gaps."
    assert (
        bands.defaults_in("fr")[1] == "Passable\u00a0: c’est en partie là, avec des lacunes nettes."
    )


def test_editing_the_sentences_is_audited_as_a_change_of_the_criterion(db, clock):
    edition_id = _edition(db, clock)
    with db.write() as session:
        edition = session.get_one(Edition, edition_id)
        added = criteria.add(
            session=session, actor=audit.SYSTEM, now=clock(), edition=edition, spec=_spec()
        )
        criteria.update(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            edition=edition,
            criterion_id=added.id,
            spec=_spec(a=("Weak.", "Faible."), b=("", ""), c=("", ""), d=("Strong.", "Fort.")),
        )
        criterion_id = added.id
    with db.read() as session:
        stored = session.get_one(Criterion, criterion_id)
    assert stored.bands == [["Weak.", "Faible."], ["", ""], ["", ""], ["Strong.", "Fort."]]


def test_a_sentence_too_long_is_refused_and_names_its_field(db, clock):
    edition_id = _edition(db, clock)
    with db.write() as session, pytest.raises(DomainError) as refused:
        criteria.add(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            edition=session.get_one(Edition, edition_id),
            spec=_spec(a=("", ""), b=("", "x" * (bands.MAX_BAND + 1))),
        )
    assert refused.value.field == "band-1-fr"
