"""What the public reads: published results (docs/design.md, "Contracts"), corrections, and the
archive of editions from before the platform, entered by hand.

``public_results`` raises ``NotFound`` before publication (embargo). Scores and digests come from
the figures written at publication (``publication.publication_record``), so a page never changes.

Only what an applicant agreed to is published (docs/design.md, "Contracts"): a project
without consent to publish its title, organisation and country is "a project from <country>"
(``Item.named`` is false; its title, organisation and summary are left out here, at the source,
so no page or file can show them); its summary is published only with the second consent too.
``consents_of`` lists what each decided project lacks, for the secretariat before publishing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from prize import countries
from prize.domain.editions import editions
from prize.domain.editions.criteria import criteria_of
from prize.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from prize.domain.results import decisions, publication, tally_input
from prize.domain.screening.exports import safe_cell
from prize.domain.shared import audit
from prize.formats import SCORE_DIGITS
from prize.i18n import N_, Message, Plural, translations
from prize.models import (
    ArchiveEntry,
    Award,
    Ballot,
    BallotStatus,
    Decision,
    Edition,
    EditionState,
    Juror,
    ResultsNote,
    Round,
    pk,
)
from prize.tally.data import MIN_FOR_NORMALISATION, Params

MAX_NOTE = 5000
CSV_COLUMNS = (
    "award",
    "rank",
    "reference",
    "title",
    "organisation",
    "country",
    "country_code",
    "score",
)
# The name of a project published without its title (no consent): English in the JSON and CSV,
# translated on the pages.
UNNAMED = N_("A project from %(country)s")
UNNAMED_NO_COUNTRY = N_("A project")


@dataclass(frozen=True)
class Item:
    """One awarded project, as the results page, JSON and CSV give it: only what its applicant
    agreed to publish (``named`` false: no title, organisation or summary)."""

    award: Award
    rank: int | None
    reference: str | None
    title: str
    organisation: str
    country_code: str
    summary: str
    score: float | None  # final-round application score, 2 decimals
    application_id: int | None = None
    named: bool = True
    summary_en: str = ""  # the secretariat's English translation, published with the summary
    summary_language: str = "en"  # the language the applicant wrote the summary in

    @property
    def country(self) -> str:
        return countries.name(self.country_code, "en") if self.country_code else ""

    def summary_in(self, language: str) -> tuple[str, str]:
        """The summary for a reader of ``language``, and the language it is in: the English
        translation for an English reader where there is one, else the applicant's text."""
        if language == "en" and self.summary_en and self.summary_language != "en":
            return self.summary_en, "en"
        return self.summary, self.summary_language

    @property
    def public_title(self) -> str:
        """The title, or "A project from <country>" (English, as the contracts are)."""
        if self.named:
            return self.title
        return UNNAMED % {"country": self.country} if self.country_code else UNNAMED_NO_COUNTRY

    def as_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "reference": self.reference,
            "title": self.public_title,
            "organisation": self.organisation,
            "country": self.country,
            "country_code": self.country_code,
            "score": self.score,
        }


@dataclass(frozen=True)
class JuryMember:
    name: str
    country_code: str

    @property
    def country(self) -> str:
        return countries.name(self.country_code, "en")


@dataclass(frozen=True)
class RoundMethod:
    """What happened in one round, for the method statement: how many jurors' scores were
    normalised and how many left as given (and why), how many places the tally proposed, and how
    many of the secretariat's decisions departed from its proposal."""

    round: Round
    normalise: bool  # the edition normalises scores at all
    jurors: int  # jurors whose submitted ballot was counted
    normalised: int
    too_few: int  # left as given: fewer than MIN_FOR_NORMALISATION scores
    no_variance: int  # left as given: every score the same
    places: int  # the shortlist's size, or the number of winners
    followed: int  # decisions as the tally proposed them
    changed: int  # decisions that departed from it (each with a reason)
    min_scores: int = MIN_FOR_NORMALISATION  # fewer scores than this: left as given

    def as_json(self) -> dict[str, Any]:
        return {
            "round": self.round.value,
            "jurors": self.jurors,
            "normalised": self.normalised,
            "left_as_given_too_few_scores": self.too_few,
            "left_as_given_all_scores_equal": self.no_variance,
            "min_scores_for_normalisation": self.min_scores,
            "places": self.places,
            "decisions_as_proposed": self.followed,
            "decisions_changed": self.changed,
        }

    def sentences(self) -> list[Message]:
        """The round in a few sentences, each from the numbers above, in the reader's language
        on the page and in English in the JSON's method text."""
        label = Message(
            N_("First round (shortlist)") if self.round is Round.shortlist else N_("Final round")
        )
        said = [
            Plural(
                "%(round)s: %(num)s juror's ballot was counted.",
                "%(round)s: %(num)s jurors' ballots were counted.",
                self.jurors,
                round=label,
            )
        ]
        if not self.normalise:
            said.append(Message("Scores were used as given, without normalisation."))
        elif self.normalised == 0:
            said.append(Message("No juror's scores could be normalised."))
        elif self.normalised == self.jurors:
            said.append(
                Message(
                    "Every juror's scores were normalised, so that a strict juror and a generous "
                    "one weigh the same."
                )
            )
        else:
            said.append(
                Plural(
                    "The scores of %(num)s juror were normalised, so that a strict juror and a "
                    "generous one weigh the same.",
                    "The scores of %(num)s jurors were normalised, so that a strict juror and a "
                    "generous one weigh the same.",
                    self.normalised,
                )
            )
        if self.normalise and self.too_few:
            said.append(
                Plural(
                    "%(num)s juror with fewer than %(min)s scores was left as given.",
                    "%(num)s jurors with fewer than %(min)s scores were left as given.",
                    self.too_few,
                    min=self.min_scores,
                )
            )
        if self.normalise and self.no_variance:
            said.append(
                Plural(
                    "%(num)s juror who gave every application the same score was left as given.",
                    "%(num)s jurors who gave every application the same score were left as given.",
                    self.no_variance,
                )
            )
        said.append(self._proposal())
        said.append(
            Plural(
                "The secretariat changed %(num)s decision from the proposal, with its reason "
                "recorded in the audit log.",
                "The secretariat changed %(num)s decisions from the proposal, each with its "
                "reason recorded in the audit log.",
                self.changed,
            )
            if self.changed
            else Message("The secretariat confirmed every proposal.")
        )
        return said

    def _proposal(self) -> Message:
        if self.round is Round.shortlist:
            return Plural(
                "The best-ranked application was proposed for the shortlist.",
                "The %(num)s best-ranked applications were proposed for the shortlist.",
                self.places,
            )
        return Plural(
            "The best-ranked application was proposed as the winner, the others on the "
            "shortlist as nominated.",
            "The %(num)s best-ranked applications were proposed as winners, the others on the "
            "shortlist as nominated.",
            self.places,
        )

    def english(self) -> str:
        return " ".join(m.translate(translations("en")) for m in self.sentences())


@dataclass
class PublicResults:
    edition: Edition
    winners: list[Item] = field(default_factory=list)
    nominated: list[Item] = field(default_factory=list)
    special_mentions: list[Item] = field(default_factory=list)
    jury: list[JuryMember] = field(default_factory=list)
    jury_size: int = 0
    digests: dict[str, str] | None = None
    notes: list[ResultsNote] = field(default_factory=list)
    criteria: list[tuple[str, float]] = field(default_factory=list)  # English names (the JSON)
    criteria_fr: list[str] = field(default_factory=list)  # French names, for the page
    rounds: list[RoundMethod] = field(default_factory=list)  # what happened in each round

    @property
    def archived(self) -> bool:
        return self.edition.archived

    @property
    def items(self) -> list[Item]:
        return [*self.winners, *self.nominated, *self.special_mentions]

    def method(self) -> dict[str, Any]:
        e = self.edition
        return {
            "text": method_text(self),
            "normalised": None if self.archived else e.normalise,
            "quorum": None if self.archived else e.quorum,
            "scale": None if self.archived else [e.scale_min, e.scale_max],
            "shortlist_size": None if self.archived else e.shortlist_size,
            "criteria": [{"name": n, "weight": w} for n, w in self.criteria],
            "rounds": [r.as_json() for r in self.rounds],
            "recorded_without_ballots": self.archived,
        }

    def as_json(self) -> dict[str, Any]:
        published = self.edition.published_at
        return {
            "edition": self.edition.year,
            "published_at": published.astimezone(UTC).isoformat() if published else None,
            "winners": [i.as_json() for i in self.winners],
            "nominated": [i.as_json() for i in self.nominated],
            "special_mentions": [i.as_json() for i in self.special_mentions],
            "jury": [{"name": j.name, "country": j.country} for j in self.jury],
            "method": self.method(),
            "ballot_digest": dict(self.digests) if self.digests is not None else None,
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        writer.writerow(CSV_COLUMNS)
        for item in self.items:
            row = {"award": item.award.value, **item.as_json()}
            if item.score is not None:  # "7.70", as many decimals as every other score shown
                row["score"] = f"{item.score:.{SCORE_DIGITS}f}"
            writer.writerow([safe_cell(row[c]) for c in CSV_COLUMNS])
        return out.getvalue()


def method_text(data: PublicResults) -> str:
    """The method in plain words (English; the HTML page has its translated version)."""
    e = data.edition
    if data.archived:
        return (
            "These results were recorded by hand, without ballots: they come from an edition "
            "held before this platform."
        )
    rounds = " ".join(r.english() for r in data.rounds)
    return (
        f"A youth jury of {data.jury_size} scored every eligible application on "
        f"{len(data.criteria)} weighted criteria, from {e.scale_min} to {e.scale_max}; jurors with "
        "a conflict of interest did not score that application. Normalised scores are moved so "
        "that a strict juror and a generous one weigh the same. An application's score is the "
        f"mean of its jurors' scores; one with fewer than {e.quorum} scores is never proposed. "
        f"{rounds} The digests are fingerprints of the counted ballots."
    )


def _score(value: float | None) -> float | None:
    return None if value is None else round(value, SCORE_DIGITS)


def visible(edition: Edition) -> bool:
    return edition.archived or edition.state is EditionState.published


def latest_results(*, session: Session) -> PublicResults | None:
    """The newest published (or archived) results, samples left out: what the home page links
    to, or leads with just after publication."""
    edition = session.exec(
        select(Edition)
        .where(
            (col(Edition.state) == EditionState.published) | col(Edition.archived),
            col(Edition.is_sample).is_(False),
        )
        .order_by(col(Edition.year).desc())
        .limit(1)
    ).first()
    return None if edition is None else public_results(session=session, edition=edition)


def get_results(*, session: Session, year: int) -> PublicResults:
    """The published (or archived) results of ``year``; NotFound before publication. Only the
    real edition of the year: a rehearsal beside it, or alone, is never looked up here."""
    try:
        edition = editions.get_by_year(session=session, year=year, rehearsal=False)
    except NotFound:
        raise NotFound("There are no published results for %(year)s.", year=year) from None
    if not visible(edition) or edition.rehearsal:  # a rehearsal is never public
        raise NotFound("There are no published results for %(year)s.", year=year)
    return public_results(session=session, edition=edition)


def public_results(*, session: Session, edition: Edition) -> PublicResults:
    data = PublicResults(edition=edition)
    data.notes = list(
        session.exec(
            select(ResultsNote)
            .where(ResultsNote.edition_id == edition.id)
            .order_by(col(ResultsNote.created_at), col(ResultsNote.id))
        )
    )
    if edition.archived:
        _add_archived(session, edition=edition, data=data)
        return data
    criteria = criteria_of(session=session, edition=edition)
    data.criteria = [(c.name_en, c.weight) for c in criteria]
    data.criteria_fr = [c.name_fr or c.name_en for c in criteria]
    final_scores = _add_digests(session, edition=edition, data=data)
    record = publication.publication_record(session=session, edition=edition) or {}
    data.rounds = [_round_method(session, edition, r, record.get("jurors", {})) for r in Round]
    _add_decided(session, edition=edition, data=data, final_scores=final_scores)
    _add_jury(session, edition=edition, data=data)
    return data


def _round_method(
    session: Session, edition: Edition, round_: Round, published: Mapping[str, Any]
) -> RoundMethod:
    """What happened in ``round_``: the jurors as the publication record counted them (else
    recounted from the stored ballots), and the secretariat's decisions of that stage (special
    mentions are the jury's own addition)."""
    jurors = published.get(round_.value)
    if not isinstance(jurors, dict):
        jurors = publication.juror_counts(
            tally_input.tally_of(session=session, edition=edition, round_=round_)
        )
    if round_ is Round.shortlist:
        decided = decisions.shortlist_of(session=session, edition=edition)
    else:
        decided = [
            d
            for d in decisions.final_of(session=session, edition=edition)
            if d.award is not Award.special_mention
        ]
    changed = sum(1 for d in decided if not d.proposed)
    return RoundMethod(
        round=round_,
        normalise=edition.normalise,
        jurors=jurors["counted"],
        normalised=jurors["normalised"],
        too_few=jurors["too_few"],
        no_variance=jurors["no_variance"],
        places=edition.shortlist_size if round_ is Round.shortlist else Params().winners,
        followed=len(decided) - changed,
        changed=changed,
    )


def _add_archived(session: Session, *, edition: Edition, data: PublicResults) -> None:
    """An archived edition's results, as they were entered."""
    for entry in archive_entries(session=session, edition=edition):
        item = Item(
            award=entry.award,
            rank=entry.rank,
            reference=None,
            title=entry.title,
            organisation=entry.organisation,
            country_code=entry.country,
            summary=entry.summary,
            score=None,
        )
        _bucket(data, entry.award).append(item)


def _add_digests(session: Session, *, edition: Edition, data: PublicResults) -> dict[int, float]:
    """Each round's digest, from the publication record; return the final round's scores."""
    record = publication.publication_record(session=session, edition=edition)
    if record is not None:
        data.digests = dict(record["digests"])
        return {int(k): v for k, v in record["scores"].items()}
    # published without the record (by hand in a test or an older tool): recompute
    tallies = {r: tally_input.tally_of(session=session, edition=edition, round_=r) for r in Round}
    data.digests = {r.value: t.digest for r, t in tallies.items()}
    return {e.application: e.score for e in tallies[Round.final].ranking if e.score is not None}


def _add_decided(
    session: Session, *, edition: Edition, data: PublicResults, final_scores: Mapping[int, float]
) -> None:
    """The decided awards, each project named only with its consent, scored when shortlisted."""
    decided = decisions.final_of(session=session, edition=edition)
    shortlisted = {
        d.application_id for d in decisions.shortlist_of(session=session, edition=edition)
    }
    found = tally_input.projects(session=session, ids=[d.application_id for d in decided])
    for d in decided:
        project = found.get(d.application_id)
        if project is None:
            continue
        in_shortlist = d.application_id in shortlisted
        named = project.consent_publication
        _bucket(data, d.award).append(
            Item(
                award=d.award,
                rank=d.rank if d.award is not Award.special_mention else None,
                reference=project.reference,
                title=project.title if named else "",
                organisation=project.organisation if named else "",
                country_code=project.country_code,
                summary=project.summary if named and project.consent_summary else "",
                score=_score(final_scores.get(d.application_id)) if in_shortlist else None,
                application_id=d.application_id,
                named=named,
                summary_en=project.summary_en if named and project.consent_summary else "",
                summary_language=project.language,
            )
        )


def _add_jury(session: Session, *, edition: Edition, data: PublicResults) -> None:
    """How many jurors submitted a ballot, and those who agreed to be named."""
    jurors = list(
        session.exec(
            select(Juror)
            .where(
                Juror.edition_id == edition.id,
                col(Juror.id).in_(
                    select(Ballot.juror_id).where(Ballot.status == BallotStatus.submitted)
                ),
            )
            .order_by(col(Juror.first_name), col(Juror.id))
        )
    )
    data.jury_size = len(jurors)
    data.jury = [
        JuryMember(name=j.first_name, country_code=j.country)
        for j in jurors
        if j.publish_name_consent and j.first_name
    ]


def _bucket(data: PublicResults, award: Award) -> list[Item]:
    return {
        Award.winner: data.winners,
        Award.nominated: data.nominated,
        Award.special_mention: data.special_mentions,
    }.get(award, [])


@dataclass(frozen=True)
class ConsentCheck:
    """A decided project and the publication consents its applicant gave (staff only)."""

    award: Award
    project: tally_input.Project

    @property
    def lacks_name(self) -> bool:
        """No consent to publish the title, organisation and country."""
        return not self.project.consent_publication

    @property
    def lacks_summary(self) -> bool:
        """No consent to publish the summary."""
        return not self.project.consent_summary


def consents_of(*, session: Session, edition: Edition) -> list[ConsentCheck]:
    """Every project that publication would show (winners, nominated, special mentions), with
    its consents, in the order of the results page: what the secretariat checks before
    publishing."""
    decided = [d for d in decisions.final_of(session=session, edition=edition) if _published(d)]
    found = tally_input.projects(session=session, ids=[d.application_id for d in decided])
    return [
        ConsentCheck(award=d.award, project=found[d.application_id])
        for d in decided
        if d.application_id in found
    ]


def _published(decision: Decision) -> bool:
    return decision.award in ARCHIVE_AWARDS


def certificate(*, session: Session, year: int, reference: str) -> tuple[PublicResults, Item]:
    """An awarded project's certificate (published results only)."""
    data = get_results(session=session, year=year)
    for item in data.items:  # winners, nominated projects and special mentions only
        if item.reference == reference:
            return data, item
    raise NotFound("There is no certificate for %(reference)s.", reference=reference)


# --------------------------------------------------------------------------- corrections


def add_note(
    *, session: Session, edition: Edition, text: str, actor: audit.Actor, now: datetime
) -> ResultsNote:
    """A correction to published results: a new note, shown on the page; nothing else changes.

    The same note sent twice (a double click) is added once: notes can never be removed.
    """
    if not visible(edition):
        raise NotAllowed("A correction is added to published results only.")
    text = text.strip()
    if not text:
        raise DomainError("Write the correction.", field="text")
    if len(text) > MAX_NOTE:
        raise DomainError("Use at most %(n)s characters.", field="text", n=MAX_NOTE)
    session.refresh(edition, with_for_update=True)
    last = session.exec(
        select(ResultsNote)
        .where(ResultsNote.edition_id == edition.id)
        .order_by(col(ResultsNote.id).desc())
    ).first()
    if last is not None and last.text == text:
        return last
    note = ResultsNote(
        edition_id=pk(edition),
        text=text,
        created_by=actor.id,
        created_at=now,
    )
    session.add(note)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        kind="results.note_added",
        now=now,
        edition_id=edition.id,
        subject_kind="results_note",
        subject_id=note.id,
    )
    return note


# --------------------------------------------------------------------------- archive


ARCHIVE_AWARDS = (Award.winner, Award.nominated, Award.special_mention)


def create_archived_edition(
    *,
    session: Session,
    year: int,
    title_en: str,
    actor: audit.Actor,
    now: datetime,
    title_fr: str = "",
) -> Edition:
    """An edition from before the platform, whose results the secretariat enters by hand."""
    if not 2004 <= year <= now.year:
        raise DomainError("Give a past year, from 2004.", field="year")
    exists = session.exec(
        select(Edition).where(Edition.year == year, col(Edition.rehearsal).is_(False))
    ).first()
    if exists is not None:
        raise Conflict("There is an edition %(year)s already.", field="year", year=year)
    title_en = title_en.strip() or f"European Drug Prevention Prize {year}"
    return editions.create_edition(
        session=session,
        actor=actor,
        now=now,
        year=year,
        title_en=title_en[:200],
        title_fr=title_fr.strip()[:200] or f"Prix européen de prévention des drogues {year}",
        opens_at=datetime(year, 1, 1, tzinfo=UTC),
        deadline=datetime(year, 12, 31, tzinfo=UTC),
        archived=True,
    )


def archive_entries(*, session: Session, edition: Edition) -> list[ArchiveEntry]:
    order = {a: i for i, a in enumerate(ARCHIVE_AWARDS)}
    rows = session.exec(select(ArchiveEntry).where(ArchiveEntry.edition_id == edition.id)).all()
    return sorted(rows, key=lambda r: (order.get(r.award, 9), r.rank or 99, pk(r)))


def add_archive_entry(
    *,
    session: Session,
    edition: Edition,
    award: str,
    title: str,
    country: str,
    actor: audit.Actor,
    now: datetime,
    organisation: str = "",
    summary: str = "",
    rank: int | None = None,
) -> ArchiveEntry:
    if not edition.archived:
        raise NotAllowed("Results are entered by hand only for editions before the platform.")
    if award not in {a.value for a in ARCHIVE_AWARDS}:
        raise DomainError("Choose winner, nominated or special mention.", field="award")
    if not title.strip():
        raise DomainError("Give the project's title.", field="title")
    code = country.strip().upper()
    if not countries.is_known(code) or code == "ZZ":
        raise DomainError("Choose a country.", field="country")
    entry = ArchiveEntry(
        edition_id=pk(edition),
        award=Award(award),
        rank=rank,
        title=title.strip()[:300],
        organisation=organisation.strip()[:300],
        country=code,
        summary=summary.strip(),
    )
    session.add(entry)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        kind="archive.entry_added",
        now=now,
        edition_id=edition.id,
        subject_kind="archive_entry",
        subject_id=entry.id,
        data={"award": award},
    )
    return entry


def remove_archive_entry(
    *, session: Session, edition: Edition, entry_id: int, actor: audit.Actor, now: datetime
) -> None:
    entry = session.get(ArchiveEntry, entry_id)
    if entry is None or entry.edition_id != edition.id:
        raise NotFound("There is no such entry.")
    session.delete(entry)
    audit.record(
        session=session,
        actor=actor,
        kind="archive.entry_removed",
        now=now,
        edition_id=edition.id,
        subject_kind="archive_entry",
        subject_id=entry_id,
        data={"award": entry.award.value, "title": entry.title},
    )
    session.flush()
