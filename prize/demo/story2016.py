"""The 2016 edition, told through the real code: call, applications, screening, a youth jury
with two rounds of ballots, the real tally, decisions and publication.

The three winners and the four other shortlisted countries are the real ones (docs/design.md);
every other text, the jurors and all the scores are invented, and the edition is marked as a sample.
Scores come from a seeded generator with margins wide enough that the real tally, with
normalisation, shortlists the seven and makes Bosnia and Herzegovina, Israel and Portugal the
winners; ``build`` checks that it did. Every e-mail goes to an example.org address and stays in
the outbox. The clock is injected: each step happens on its own date of 2015-2016.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from prize.db import Database
from prize.demo import steps
from prize.demo.steps import DemoReport
from prize.domain import transitions
from prize.domain.applicants import links as application_links
from prize.domain.editions.criteria import CriterionSpec, criteria_of
from prize.domain.jury import ballots, scoring
from prize.domain.jury import links as juror_links
from prize.domain.jury.jurors import JurorData
from prize.domain.results import decisions, tally_input
from prize.domain.screening import screening
from prize.domain.shared import audit
from prize.domain.staff import staff
from prize.models import (
    Application,
    ApplicationStatus,
    Edition,
    EditionState,
    Juror,
    Round,
    Staff,
    pk,
)
from prize.settings import Settings
from prize.storage import FolderStore, Store

YEAR = 2016
SEED = 2016


def when(text: str) -> datetime:
    """A UTC instant of the story, written "2016-02-20 09:00"."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


CRITERIA = (
    CriterionSpec("Innovation in content", "New ideas, or known ones used in a new way."),
    CriterionSpec("Efficiency", "The project reaches its goals, and shows how it knows."),
    CriterionSpec("Active youth participation", "Young people shape the project.", weight=2.0),
)


@dataclass(frozen=True)
class Project:
    title: str
    organisation: str
    country: str
    summary: str
    quality: tuple[float, float]  # what the jury thinks of it: round 1, round 2
    language: str = "en"
    rule: str = ""  # the eligibility rule it does not meet (screened ineligible), if any


WINNERS = (
    Project(
        "Intercity Theatre",
        "Intercity Theatre youth group",
        "BA",
        "Young people write and perform street plays on substance misuse and healthy living in "
        "towns across the country, then talk with their audience about what they saw.",
        (8.7, 8.9),
    ),
    Project(
        "Friday Coffee Project",
        "Friday Coffee volunteers",
        "IL",
        "Young volunteers reach disaffected young people over coffee and conversation every "
        "Friday, listen to them, and help them back to school, work or training.",
        (8.5, 8.7),
    ),
    Project(
        "+Attitude",
        "+Attitude university students",
        "PT",
        "University students engage at-risk young people aged 10 to 19 in positive leisure "
        "activities (sport, music, outdoor days) in neighbourhoods where drugs are easy to find.",
        (8.6, 8.5),
    ),
)
NOMINATED = (
    Project(
        "Peer Voices for Health",
        "Youth Health Clubs",
        "LB",
        "Secondary pupils train as peer educators and run health clubs on tobacco, alcohol and "
        "drugs in their schools.",
        (7.9, 6.9),
    ),
    Project(
        "Sober Summer Nights",
        "Coastal Youth Council",
        "HR",
        "Young volunteers run alcohol-free evening events in tourist towns during the summer "
        "season, with trained peer mentors on the beaches.",
        (7.7, 6.6),
    ),
    Project(
        "Jeunes en scène",
        "Maison de jeunes du quartier",
        "BE",
        "Des jeunes créent des courts-métrages sur les addictions et les présentent dans les "
        "écoles, suivis d'un débat qu'ils animent.",
        (7.6, 6.8),
        language="fr",
    ),
    Project(
        "Street Sport Mentors",
        "Sofia Street Sport Association",
        "BG",
        "Young coaches use street football and basketball to reach young people at risk and talk "
        "with them about drugs and alcohol.",
        (7.4, 6.4),
    ),
)
OTHER_COUNTRIES = (
    "FR", "DE", "IT", "ES", "GR", "PL", "RO", "RS", "SI", "SK",
    "CZ", "HU", "IE", "NL", "SE", "NO", "TR", "UA", "MA", "TN",
)  # fmt: skip
THEMES = (
    ("Peer Educators", "peer educators talk with younger pupils about alcohol and cannabis"),
    ("Youth Radio", "young people produce a radio programme on health and addictions"),
    ("Safe Party Team", "young volunteers give harm-reduction advice at festivals"),
    ("Sport Not Smoke", "a youth sports club runs tobacco-free training camps"),
    ("Digital Detox Lab", "pupils design workshops on healthy screen habits"),
    ("Street Art Prevention", "young artists paint murals on prevention with their neighbours"),
)
INELIGIBLE = {  # index among the other projects -> the rule not met
    3: "not_prevention",
    8: "youth_participation",
    15: "structure",
    21: "not_running",
}
# (first name, last name, country, age on invitation, language, name may be published)
JURORS = (
    ("Amina", "Begić", "BA", 20, "en", True),
    ("Jonas", "Keller", "DE", 19, "en", True),
    ("Sofia", "Costa", "PT", 21, "en", True),
    ("Yael", "Mizrahi", "IL", 18, "en", False),
    ("Camille", "Dubois", "FR", 17, "fr", True),
    ("Petar", "Ivanov", "BG", 20, "en", True),
    ("Marta", "Nowak", "PL", 16, "en", True),
)
BIAS = (-1.4, 0.2, 1.2, -0.6, 0.7, -0.2, 1.5)  # strict and generous jurors, for normalisation


def projects() -> list[Project]:
    """About 40 projects: the seven of 2016, and 33 others from 20 more countries."""
    rng = random.Random(SEED)  # noqa: S311 (seeded on purpose: the story is reproducible)  # nosec B311: seeded on purpose for reproducible demo data, never used for security
    others = []
    for i in range(33):
        country = OTHER_COUNTRIES[i % len(OTHER_COUNTRIES)]
        name, what = THEMES[i % len(THEMES)]
        others.append(
            Project(
                f"{name} {i + 1}",
                f"Sample organisation {i + 1}",
                country,
                f"In this sample project, {what}.",
                (round(rng.uniform(2.0, 5.8), 1), 0.0),
                rule=INELIGIBLE.get(i, ""),
            )
        )
    mixed = [*WINNERS, *NOMINATED, *others]
    rng.shuffle(mixed)  # applications arrive in no particular order
    return mixed


HOW = "Young people under 25 plan the activities, run them and evaluate them each year."


def content(project: Project, email: str, today: date) -> dict[str, Any]:
    return steps.application_form(
        email=email,
        participation=HOW,
        title=project.title,
        organisation=project.organisation,
        countries=[project.country],
        young_people=25,
        adults=3,
        start_date=today - timedelta(days=800),
        goals="Prevent or delay the use of alcohol, tobacco and drugs among young people.",
        summary=project.summary,
    )


@dataclass
class Story:
    """What the build keeps between its transactions."""

    edition_id: int = 0
    projects: list[Project] = field(default_factory=projects)  # in the order they applied
    by_title: dict[str, int] = field(default_factory=dict)  # project title -> application id
    jurors: list[int] = field(default_factory=list)
    officer: audit.Actor = audit.SYSTEM


def mark(rng: random.Random, quality: float, bias: float) -> int:
    return max(0, min(10, round(quality + bias + rng.choice((-1, 0, 0, 1)))))


def build(*, database: Database, settings: Settings, now: datetime, report: DemoReport) -> None:
    """Build the 2016 edition (``now`` is the real time; the story has its own clock)."""
    links = steps.links(settings, now=now)
    story = Story()
    with database.read() as session:
        officer = session.exec(select(Staff).order_by(col(Staff.id))).first()
    if officer is not None:
        story.officer = staff.actor_of(officer)
    story.edition_id = steps.open_edition(
        database=database,
        actor=story.officer,
        now=when("2015-09-01 09:00"),
        opened=when("2015-10-01 08:00"),
        year=YEAR,
        title_en="European Drug Prevention Prize 2016",
        title_fr="Prix européen de prévention des drogues 2016",
        call_en="The Pompidou Group invites prevention projects in which young people take "
        "an active part to apply for the European Drug Prevention Prize 2016. (Sample text.)",
        call_fr="Le Groupe Pompidou invite les projets de prévention où les jeunes prennent "
        "une part active à concourir pour le Prix 2016. (Texte d'exemple.)",
        opens_at=when("2015-10-01 08:00"),
        deadline=when("2016-01-31 23:00"),  # 00:00 in Paris: 31 January, 23:59 the last minute
        criteria=CRITERIA,
        shortlist_closes_at=when("2016-04-15 22:00"),  # 15 April, 23:59 in Paris
        final_closes_at=when("2016-06-15 22:00"),
        announce_at=when("2016-11-16 11:00"),
        is_sample=True,
    )
    _applications(database, story, links.applications, settings)
    _screening(database, story, links.applications)
    _jury(database, story, links.ballots, FolderStore(settings.storage_dir))
    _rounds(database, story, links.ballots)
    report.links.append(("The 2016 edition, told through its ballots", "/editions/2016/results"))


def _applications(
    database: Database, story: Story, links: application_links.LinkMaker, settings: Settings
) -> None:
    start = when("2015-10-05 10:00")
    for i, project in enumerate(story.projects):
        at = start + timedelta(days=3 * i, hours=i % 7)
        email = f"applicant-2016-{i + 1:02d}@example.org"
        with database.write() as session:
            app = steps.apply(
                session=session,
                edition=session.get_one(Edition, story.edition_id),
                settings=settings,
                links=links,
                email=email,
                language=project.language,
                values=content(project, email, at.date()),
                client=f"demo-2016-{i}",
                now=at,
                saved=at + timedelta(minutes=40),
                submitted=at + timedelta(hours=1),
            )
            story.by_title[project.title] = pk(app)


def _screening(database: Database, story: Story, links: application_links.LinkMaker) -> None:
    with database.write() as session:
        edition = session.get_one(Edition, story.edition_id)
        transitions.move(
            session=session,
            edition=edition,
            to=EditionState.screening,
            actor=story.officer,
            now=when("2016-02-01 09:00"),
        )
        for project in story.projects:
            outcome = (
                screening.Outcome(
                    ApplicationStatus.ineligible,
                    project.rule,
                    "Sample reason, told to the applicant.",
                )
                if project.rule
                else screening.Outcome(ApplicationStatus.eligible)
            )
            screening.screen(
                session=session,
                application=session.get_one(Application, story.by_title[project.title]),
                outcome=outcome,
                actor=story.officer,
                now=when("2016-02-10 14:00"),
                links=links,
            )
        transitions.move(
            session=session,
            edition=edition,
            to=EditionState.shortlisting,
            actor=story.officer,
            now=when("2016-02-20 09:00"),
        )


def _juror(
    first: str, last: str, country: str, age: int, language: str, publish: bool, on: datetime
) -> JurorData:
    minor = age < 18
    return JurorData(
        first_name=first,
        last_name=last,
        email=f"juror-2016-{first.lower()}@example.org",
        country=country,
        birth_date=date(on.year - age - 1, 6, 1),  # ``age`` years old on invitation
        language=language,
        guardian_name=f"{last} (parent)" if minor else "",
        guardian_consent_on=date(2016, 2, 15) if minor else None,
        publish_name_consent=publish,
    )


def _jury(database: Database, story: Story, links: juror_links.BallotLinks, store: Store) -> None:
    invited = when("2016-02-20 10:00")
    with database.write() as session:
        edition = session.get_one(Edition, story.edition_id)
        people = steps.invite_jurors(
            session=session,
            edition=edition,
            people=[_juror(*person, on=invited) for person in JURORS],
            links=links,
            now=invited,
            actor=story.officer,
            store=store,
        )
        story.jurors = [pk(juror) for juror in people]
        # Onboarding: each juror confirms their name, accepts the pledge, declares conflicts.
        declared = {
            2: {"+Attitude": "I studied at the university whose students run it."},
            5: {"Peer Educators 7": "My cousin leads this project."},
        }
        for n, juror in enumerate(people):
            mine = {story.by_title[t]: r for t, r in declared.get(n, {}).items()}
            steps.onboard(
                session=session,
                edition=edition,
                juror=juror,
                now=when("2016-02-22 17:00") + timedelta(hours=n),
                declarations=mine,
            )


def _score_round(session: Session, story: Story, round_: Round, start: datetime) -> None:
    """Every juror scores every application on their ballot, and submits (seeded marks)."""
    edition = session.get_one(Edition, story.edition_id)
    criteria = criteria_of(session=session, edition=edition)
    quality = {story.by_title[p.title]: p.quality for p in story.projects}
    rng = random.Random(f"{SEED}-{round_.value}")  # noqa: S311 (seeded on purpose)  # nosec B311: seeded on purpose for reproducible demo data, never used for security
    for n, juror_id in enumerate(story.jurors):
        juror = session.get_one(Juror, juror_id)
        on_ballot = ballots.ballot_applications(
            session=session, edition=edition, round_=round_, juror=juror
        )
        at = start + timedelta(days=n * 2)
        for k, app in enumerate(sorted(on_ballot, key=lambda a: a.number or 0)):
            app_id = pk(app)
            moment = at + timedelta(minutes=7 * k)
            if round_ is Round.shortlist and n == 4 and k == 5:  # one abstention
                scoring.save_entry(
                    session=session,
                    juror=juror,
                    now=moment,
                    application_id=app_id,
                    abstain=True,
                    abstain_reason="I could not read the supporting files.",
                )
                continue
            q = quality[app_id][0 if round_ is Round.shortlist else 1]
            scoring.save_entry(
                session=session,
                juror=juror,
                now=moment,
                application_id=app_id,
                scores={pk(c): mark(rng, q, BIAS[n]) for c in criteria},
            )
        scoring.submit(
            session=session, juror=juror, now=at + timedelta(hours=6), mail_domain=steps.MAIL_DOMAIN
        )


def _rounds(database: Database, story: Story, links: juror_links.BallotLinks) -> None:
    with database.write() as session:
        _score_round(session, story, Round.shortlist, when("2016-03-01 16:00"))
    with database.write() as session:
        edition = session.get_one(Edition, story.edition_id)
        first = tally_input.tally_of(session=session, edition=edition, round_=Round.shortlist)
        seven = {story.by_title[p.title] for p in (*WINNERS, *NOMINATED)}
        if set(first.proposal.selected) != seven:
            raise RuntimeError("the 2016 story's first-round ballots do not shortlist the seven")
        decisions.confirm_shortlist(
            session=session,
            edition=edition,
            application_ids=first.proposal.selected,
            actor=story.officer,
            now=when("2016-04-20 10:00"),
        )
        transitions.move_to_final(
            session=session,
            edition=edition,
            actor=story.officer,
            now=when("2016-04-25 09:00"),
            links=links,
        )
    with database.write() as session:
        _score_round(session, story, Round.final, when("2016-05-02 16:00"))
    with database.write() as session:
        edition = session.get_one(Edition, story.edition_id)
        final = tally_input.tally_of(session=session, edition=edition, round_=Round.final)
        winners = {story.by_title[p.title] for p in WINNERS}
        if set(final.proposal.selected) != winners:
            raise RuntimeError("the 2016 story's final ballots do not make the three winners")
        decisions.confirm_final(
            session=session,
            edition=edition,
            awards={a: "winner" for a in final.proposal.selected}
            | {a: "nominated" for a in final.proposal.nominated},
            actor=story.officer,
            now=when("2016-06-20 10:00"),
        )
        transitions.decide(
            session=session,
            edition=edition,
            actor=story.officer,
            now=when("2016-06-21 09:00"),
            links=links,
        )
    with database.write() as session:  # the sender loop's call, at the announcement instant
        published = transitions.publish_due(
            session=session, now=when("2016-11-16 11:00"), links=links
        )
        if [e.year for e in published] != [YEAR]:
            raise RuntimeError("the 2016 results were not published at their announcement")
