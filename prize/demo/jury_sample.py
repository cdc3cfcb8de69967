"""A sample edition, labelled as such, whose youth jury is part-way through its first round.

Everything is invented and built through the domain functions, step by step as it would happen:
the call opens, projects apply, the secretariat screens them, the first round opens, seven
jurors are invited, and some of them declare conflicts and score. `prize demo` prints two of
their ballot links, so a newcomer can try the ballot at once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session

from prize.db import Database
from prize.demo import steps
from prize.demo.call2027 import CRITERIA
from prize.demo.steps import DemoReport
from prize.domain import broadcasts, transitions
from prize.domain.applicants import links as application_links
from prize.domain.editions.criteria import criteria_of
from prize.domain.jury import ballots, scoring
from prize.domain.jury import links as juror_links
from prize.domain.jury.jurors import JurorData
from prize.domain.screening import screening
from prize.domain.shared import audit
from prize.models import Application, ApplicationStatus, Edition, EditionState, Juror, Round, pk
from prize.settings import Settings
from prize.storage import FolderStore

YEAR = 2025

# (title, organisation, countries, language, goals, summary, participation)
PROJECTS: tuple[tuple[str, str, tuple[str, ...], str, str, str, str], ...] = (
    (
        "Street Stage",
        "Youth Theatre Collective",
        ("BA",),
        "en",
        "Delay first use of alcohol and cannabis among 13 to 16 year olds.",
        "Young volunteers write and perform short street plays about substance misuse and healthy "
        "living, then talk with the audience about what they saw.",
        "Young people choose the themes, write the scripts, act and run the audience talks.",
    ),
    (
        "Coffee and Conversation",
        "Friday Volunteers",
        ("IL",),
        "en",
        "Reach young people who left school and lower their risk of drug use.",
        "Every Friday young volunteers meet disaffected young people over coffee, listen, and help "
        "them back to school, work or training.",
        "The volunteers are all under 25; they plan the meetings and train the next group.",
    ),
    (
        "Plus Attitude",
        "Students for Leisure",
        ("PT",),
        "en",
        "Offer positive leisure to young people aged 10 to 19 at risk of drug use.",
        "University students organise sport, music and outdoor activities with young people from "
        "neighbourhoods where drugs are easy to find.",
        "Students design the activities with the young people, who also evaluate each season.",
    ),
    (
        "Radio des pairs",
        "Association Jeunes Ondes",
        ("BE", "FR"),
        "fr",
        "Réduire l'usage de tabac et d'alcool chez les lycéens par l'information entre pairs.",
        "Des lycéens produisent une émission de radio hebdomadaire sur la santé, les addictions et "
        "la vie au lycée, diffusée en ligne et dans les établissements.",
        "Les jeunes choisissent les sujets, mènent les interviews et animent les émissions.",
    ),
    (
        "Open Gym Nights",
        "City Youth Council",
        ("HR",),
        "en",
        "Give young people a safe place on weekend nights, away from alcohol.",
        "The youth council opens school gyms on Friday and Saturday nights with sport, music and "
        "trained peer mentors.",
        "The youth council runs the nights, recruits the mentors and reports to the city.",
    ),
    (
        "Clear Screens",
        "Digital Wellbeing Lab",
        ("EE",),
        "en",
        "Prevent gaming and social media addiction among pupils aged 11 to 15.",
        "Pupils build short workshops on healthy screen habits and give them in younger classes, "
        "with a family evening at the end of each term.",
        "Pupils write the workshops, lead them, and change them after each feedback round.",
    ),
    (
        "Peer Pharmacy Talks",
        "Young Health Network",
        ("MD",),
        "en",
        "Reduce the misuse of medicines among students.",
        "Pharmacy students and school pupils prepare talks on medicines that are misused, and answer "
        "questions anonymously online.",
        "Young people choose the questions, record the answers and moderate the forum.",
    ),
    (
        "Summer Reading Club",
        "Municipal Library",
        ("GB",),
        "en",
        "Encourage reading over the summer holidays.",
        "Librarians run a summer reading club with prizes for the most books read.",
        "Children receive a reading card.",
    ),
)
# (first name, last name, country, birth date offset in years, language)
JURORS = (
    ("Amira", "Haddad", "JO", 20, "en"),
    ("Lukas", "Berger", "AT", 19, "en"),
    ("Chiara", "Romano", "IT", 21, "en"),
    ("Noa", "Levi", "IL", 18, "en"),
    ("Élise", "Martin", "FR", 17, "fr"),
    ("Mateus", "Silva", "PT", 20, "en"),
    ("Ana", "Kovač", "SI", 16, "en"),
)


def _birth(now: datetime, years: int) -> date:
    today = now.date()
    return today.replace(year=today.year - years) - timedelta(days=40)


def _juror(first: str, last: str, country: str, age: int, language: str, on: datetime) -> JurorData:
    minor = age < 18
    return JurorData(
        first_name=first,
        last_name=last,
        email=f"{first.lower().replace('é', 'e')}.{last.lower().replace('č', 'c')}@example.org",
        country=country,
        birth_date=_birth(on, age),
        language=language,
        guardian_name=f"{last} (guardian)" if minor else "",
        guardian_consent_on=(on - timedelta(days=5)).date() if minor else None,
        publish_name_consent=True,
    )


def build(*, database: Database, settings: Settings, now: datetime, report: DemoReport) -> None:
    links = steps.links(settings, now=now)
    opened = now - timedelta(days=100)
    edition_id = steps.open_edition(
        database=database,
        now=opened,
        year=YEAR,
        # Titled as a real edition is ("… du Prix …" reads well in the French e-mails).
        title_en=f"European Drug Prevention Prize {YEAR} (sample edition)",
        title_fr=f"Prix européen de prévention des drogues {YEAR} (édition d’exemple)",
        call_en="A sample edition with invented projects and jurors, to try the jury's ballot.",
        call_fr="Une édition d'exemple, aux projets et jurés inventés, pour essayer le vote.",
        criteria=CRITERIA,
        **steps.first_round_dates(now),
        is_sample=True,
    )
    applied = _apply(
        database=database,
        settings=settings,
        links=links.applications,
        edition_id=edition_id,
        opened=opened,
    )
    with database.write() as session:
        edition = session.get_one(Edition, edition_id)
        _screen(session, edition, applied, links.applications, now)
        started = now - timedelta(days=20)
        transitions.move(
            session=session,
            edition=edition,
            to=EditionState.shortlisting,
            actor=audit.SYSTEM,
            now=started,
        )
        people = steps.invite_jurors(
            session=session,
            edition=edition,
            people=[_juror(*person, on=started) for person in JURORS],
            links=links.ballots,
            now=started,
            store=FolderStore(settings.storage_dir),
        )
        _progress(session, edition, people, now)
        _write_to_the_slow(session, edition, links, now)
        paths = [juror_links.link_path(signer=links.signer, juror=people[i]) for i in (1, 5)]
    report.links.append(
        (f"Sample jury, a juror part-way through ({people[1].first_name})", paths[0])
    )
    report.links.append((f"Sample jury, a juror yet to start ({people[5].first_name})", paths[1]))


def _write_to_the_slow(
    session: Session, edition: Edition, links: steps.Links, now: datetime
) -> None:
    """The secretariat's note to the jurors who have not submitted yet ("Write to a group"),
    sent as previewed."""
    group = broadcasts.Group.jurors_pending
    sent_at = now - timedelta(hours=2)
    text = broadcasts.Text(
        subject={
            "en": "Your ballot: two weeks to go",
            "fr": "Votre bulletin\u00a0: encore deux semaines",
        },
        body={
            "en": "Dear {name},\n\nThe first round closes in two weeks. Your ballot: {link}",
            "fr": "Bonjour {name},\n\nLe premier tour se termine dans deux semaines. "
            "Votre bulletin\u00a0: {link}",
        },
    )
    people = broadcasts.recipients(session=session, edition=edition, group=group, now=sent_at)
    broadcasts.send(
        session=session,
        edition=edition,
        group=group,
        text=text,
        previewed=broadcasts.fingerprint(edition=edition, group=group, text=text, people=people),
        actor=audit.SYSTEM,
        now=sent_at,
        juror_links=links.ballots,
        mail_domain=steps.MAIL_DOMAIN,
    )


def _apply(
    *,
    database: Database,
    settings: Settings,
    links: application_links.LinkMaker,
    edition_id: int,
    opened: datetime,
) -> list[int]:
    """Each project applies and submits, a day after the one before; their ids, in that order
    (their numbers)."""
    applied = []
    for i, (title, organisation, countries, language, goals, summary, part) in enumerate(PROJECTS):
        when = opened + timedelta(days=10 + i)
        email = f"sample-applicant-{i + 1}@example.org"
        with database.write() as session:
            app = steps.apply(
                session=session,
                edition=session.get_one(Edition, edition_id),
                settings=settings,
                links=links,
                email=email,
                language=language,
                values=steps.application_form(
                    email=email,
                    participation=part,
                    title=title,
                    organisation=organisation,
                    countries=list(countries),
                    young_people=30,
                    adults=4,
                    start_date=when.date() - timedelta(days=700),
                    phone="+33 1 00 00 00 00",
                    website="https://example.org/" + title.lower().replace(" ", "-"),
                    goals=goals,
                    summary=summary,
                ),
                client=f"sample-{i}",
                now=when,
                submitted=when,
            )
            applied.append(pk(app))
    return applied


def _screen(
    session: Session,
    edition: Edition,
    applied: list[int],
    links: application_links.LinkMaker,
    now: datetime,
) -> None:
    """The secretariat screens every project eligible but the last, which is not about
    prevention, and translates the French one."""
    transitions.move(
        session=session,
        edition=edition,
        to=EditionState.screening,
        actor=audit.SYSTEM,
        now=now - timedelta(days=39),
    )
    screened = now - timedelta(days=30)
    for app_id in applied:
        app = session.get_one(Application, app_id)
        outcome = (
            screening.Outcome(ApplicationStatus.ineligible, "not_prevention")
            if app_id == applied[-1]
            else screening.Outcome(ApplicationStatus.eligible)
        )
        screening.screen(
            session=session,
            application=app,
            outcome=outcome,
            actor=audit.SYSTEM,
            now=screened,
            links=links,
        )
        if app.language == "fr":
            screening.set_translation(
                session=session,
                application=app,
                actor=audit.SYSTEM,
                now=screened,
                texts={
                    "title": "Peer radio",
                    "goals": "Reduce tobacco and alcohol use among secondary pupils through "
                    "information from their peers.",
                    "summary": "Secondary pupils produce a weekly radio programme on health, "
                    "addictions and school life, broadcast online and in schools.",
                    "participation": "Young people choose the topics, do the interviews and "
                    "present the programmes.",
                },
            )


def _progress(session: Session, edition: Edition, people: list[Juror], now: datetime) -> None:
    """Three jurors finished or part-way, one only onboarded, three yet to open their link."""
    on_ballot = ballots.round_applications(session=session, edition=edition, round_=Round.shortlist)
    ids = [pk(a) for a in on_ballot]
    criteria = criteria_of(session=session, edition=edition)
    plans = {0: len(ids), 1: 3, 2: 2}  # juror index -> projects scored
    for index, juror in enumerate(people[:4]):
        when = now - timedelta(days=6 - index, hours=3)
        declarations: dict[int, str] = {}
        if index == 2:  # knows one of the projects
            declarations = {ids[2]: "I volunteered with this project last summer."}
        steps.onboard(
            session=session, edition=edition, juror=juror, now=when, declarations=declarations
        )
        mine = [i for i in ids if i not in declarations]
        for n, app_id in enumerate(mine[: plans.get(index, 0)]):
            scores = {pk(c): (3 + index + n + c.position) % 11 for c in criteria}
            scoring.save_entry(
                session=session,
                juror=juror,
                now=when + timedelta(minutes=5 * n),
                application_id=app_id,
                scores=scores,
                comment="Strong youth leadership." if n == 0 else "",
            )
        if index == 0:
            scoring.submit(
                session=session,
                juror=juror,
                now=when + timedelta(hours=1),
                mail_domain=steps.MAIL_DOMAIN,
            )
