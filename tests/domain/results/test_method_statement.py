"""The public method statement says what happened in each round, from the actual numbers, in
both languages: who was normalised and who was left as given, and how many of the secretariat's
decisions departed from the tally's proposal."""

from __future__ import annotations

from dataclasses import replace

from prize.domain.results.published import RoundMethod
from prize.i18n import translations
from prize.models import Round


def _read(method: RoundMethod, language: str) -> str:
    return " ".join(m.translate(translations(language), language) for m in method.sentences())


FINAL_WITH_OVERRIDES = RoundMethod(
    round=Round.final,
    normalise=True,
    jurors=7,
    normalised=5,
    too_few=2,
    no_variance=0,
    places=3,
    followed=0,
    changed=4,
)


def test_jurors_left_as_given_and_overrides_are_counted_in_english():
    assert _read(FINAL_WITH_OVERRIDES, "en") == (
        "Final round: 7 jurors' ballots were counted. The scores of 5 jurors were normalised, "
        "so that a strict juror and a generous one weigh the same. 2 jurors with fewer than 3 "
        "scores were left as given. The 3 best-ranked applications were proposed as winners, "
        "the others on the shortlist as nominated. The secretariat changed 4 decisions from "
        "the proposal, each with its reason recorded in the audit log."
    )


def test_the_same_round_reads_in_french():
    assert _read(FINAL_WITH_OVERRIDES, "fr") == (
        "Tour final\xa0: les bulletins de 7 jurés ont été comptés. Les notes de 5 jurés ont été "
        "normalisées, afin qu’un juré sévère et un juré généreux aient le même poids. Les notes "
        "de 2 jurés ayant donné moins de 3 notes ont été laissées telles quelles. Les 3 "
        "candidatures les mieux classées ont été proposées comme lauréates, les autres "
        "candidatures de la présélection comme nommées. Le secrétariat a modifié 4 décisions "
        "par rapport à la proposition, en consignant chaque motif dans le journal d’audit."
    )


def test_a_single_juror_left_as_given_and_no_normalisation_read_in_the_singular():
    method = replace(
        FINAL_WITH_OVERRIDES,
        round=Round.shortlist,
        jurors=1,
        normalised=0,
        too_few=0,
        no_variance=1,
        places=1,
        followed=1,
        changed=0,
    )
    assert _read(method, "en") == (
        "First round (shortlist): 1 juror's ballot was counted. No juror's scores could be "
        "normalised. 1 juror who gave every application the same score was left as given. The "
        "best-ranked application was proposed for the shortlist. The secretariat confirmed "
        "every proposal."
    )
    unnormalised = replace(method, normalise=False, jurors=4, no_variance=0, places=7)
    assert "Scores were used as given, without normalisation." in _read(unnormalised, "en")
    assert "Les notes ont été retenues telles quelles, sans normalisation." in _read(
        unnormalised, "fr"
    )
