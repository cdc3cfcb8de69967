"""The open 2027 call: the edition newcomers see first."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from prize import formats
from prize.db import Database
from prize.demo import steps
from prize.demo.pdf import pdf
from prize.demo.steps import DemoReport
from prize.domain.editions.criteria import CriterionSpec
from prize.models import Edition
from prize.settings import Settings

CRITERIA = (
    CriterionSpec(
        name_en="Innovation",
        name_fr="Innovation",
        description_en="New ideas in content or method, or a known approach used in a new way.",
        description_fr="Des idées nouvelles, dans le contenu ou la méthode, ou une approche connue utilisée autrement.",
        bands=(
            (
                "Nothing new: a copy of common practice.",
                "Rien de nouveau : la copie d’une pratique courante.",
            ),
            (
                "A familiar approach with a small new touch.",
                "Une approche connue, avec une petite touche nouvelle.",
            ),
            (
                "A clearly new idea or method for its setting.",
                "Une idée ou une méthode clairement nouvelle dans son contexte.",
            ),
            (
                "Original, and worth copying elsewhere.",
                "Original, et digne d’être repris ailleurs.",
            ),
        ),
    ),
    CriterionSpec(
        name_en="Efficiency",
        name_fr="Efficacité",
        description_en="The project reaches its prevention goals, and shows how it knows.",
        description_fr="Le projet atteint ses objectifs de prévention, et montre comment il le sait.",
        bands=(
            (
                "Goals unclear, or no sign they are reached.",
                "Objectifs flous, ou rien ne montre qu’ils sont atteints.",
            ),
            (
                "Some goals reached, shown by little evidence.",
                "Certains objectifs atteints, avec peu de preuves.",
            ),
            (
                "Most goals reached, with evidence.",
                "La plupart des objectifs atteints, preuves à l’appui.",
            ),
            (
                "Goals reached and measured, with an evaluation.",
                "Objectifs atteints et mesurés, avec une évaluation.",
            ),
        ),
    ),
    CriterionSpec(
        name_en="Active youth participation",
        name_fr="Participation active des jeunes",
        description_en="Young people under 25 shape the project: its strategy, decisions, activities and evaluation.",
        description_fr="Les jeunes de moins de 25 ans façonnent le projet : sa stratégie, ses décisions, ses activités et son évaluation.",
        bands=(
            (
                "Young people only receive the project.",
                "Les jeunes ne font que recevoir le projet.",
            ),
            ("Young people help with some activities.", "Les jeunes aident à certaines activités."),
            (
                "Young people decide in several parts of the project.",
                "Les jeunes décident dans plusieurs parties du projet.",
            ),
            (
                "Young people lead it, from strategy to evaluation.",
                "Les jeunes le mènent, de la stratégie à l’évaluation.",
            ),
        ),
        weight=2.0,
    ),
    CriterionSpec(
        name_en="Sustainability",
        name_fr="Durabilité",
        description_en="The project can last and grow beyond its first funding.",
        description_fr="Le projet peut durer et grandir au-delà de son premier financement.",
        bands=(
            ("Ends with its funding.", "S’arrête avec son financement."),
            ("Could go on, with no plan yet.", "Pourrait continuer, sans plan pour l’instant."),
            ("A plan to go on, partly funded.", "Un plan pour continuer, en partie financé."),
            (
                "Lasting: funded, rooted locally and able to grow.",
                "Durable : financé, ancré localement et capable de grandir.",
            ),
        ),
    ),
)

CALL_EN = (
    "The Pompidou Group of the Council of Europe invites prevention projects that involve young "
    "people to apply for the European Drug Prevention Prize 2027.\n\n"
    "The prize honours projects in which young people take an active part in preventing the use "
    "of drugs, alcohol and tobacco, and behavioural and digital addictions."
)
CALL_FR = (
    "Le Groupe Pompidou du Conseil de l'Europe invite les projets de prévention qui associent "
    "des jeunes à se porter candidats au Prix européen de prévention des drogues 2027.\n\n"
    "Le prix récompense des projets dans lesquels des jeunes prennent une part active à la "
    "prévention de l'usage de drogues, d'alcool et de tabac, et des addictions comportementales "
    "et numériques."
)
PRIZE_EN = "Up to three winners each receive EUR 5,000, a trophy and a diploma. The other shortlisted projects receive a certificate of recognition."
PRIZE_FR = "Jusqu'à trois lauréats reçoivent chacun 5 000 euros, un trophée et un diplôme. Les autres projets présélectionnés reçoivent un certificat de reconnaissance."


def _days_after(end: datetime, days: int) -> datetime:
    """The end of the Paris day ``days`` after the day ``end`` closes."""
    return formats.end_of_day(formats.in_paris(end).date() + timedelta(days=days - 1))


def build(*, database: Database, settings: Settings, now: datetime, report: DemoReport) -> None:
    opens = formats.end_of_day(formats.in_paris(now - timedelta(days=31)).date())  # 00:00 in Paris
    # Deadlines are the end of a day in Paris: 23:59 its last minute (``formats.end_of_day``).
    deadline = formats.end_of_day(formats.in_paris(now + timedelta(days=120)).date())
    edition_id = steps.open_edition(
        database=database,
        now=now,
        year=2027,
        title_en="European Drug Prevention Prize 2027",
        title_fr="Prix européen de prévention des drogues 2027",
        call_en=CALL_EN,
        call_fr=CALL_FR,
        prize_en=PRIZE_EN,
        prize_fr=PRIZE_FR,
        opens_at=opens,
        deadline=deadline,
        criteria=CRITERIA,
        shortlist_closes_at=_days_after(deadline, 45),
        final_closes_at=_days_after(deadline, 90),
        announce_at=_days_after(deadline, 120) + timedelta(hours=11),  # 11:00 in Paris
    )
    report.links.append(("The 2027 call", "/"))
    _applications(
        database=database, settings=settings, now=now, report=report, edition_id=edition_id
    )


# Invented applicants (example.org addresses): three submitted, two drafts.
# (e-mail, language, title, organisation, countries, young people, adults, start, goals,
#  summary, participation, submit?)
APPLICANTS: tuple[tuple[Any, ...], ...] = (
    (
        "peer-radio@example.org",
        "en",
        "Peer Radio",
        "Youth Media Centre Tallinn",
        ["EE", "LV"],
        35,
        4,
        date(2024, 2, 1),
        "Give teenagers honest, peer-made information about alcohol, vaping and cannabis.",
        "Young presenters aged 15 to 22 run a weekly radio show and podcast about risk, "
        "pressure and choices. Each episode is planned with a school class, which then joins "
        "the studio to record a discussion.",
        "Young people choose the topics, interview guests, edit the episodes and decide which "
        "schools to work with; adults only train them and run the equipment.",
        True,
    ),
    (
        "cafe-ados@example.org",
        "fr",
        "Le Café des ados",
        "Association Jeunes et Quartiers",
        ["FR"],
        80,
        6,
        date(2023, 9, 15),
        "Prévenir l'usage d'alcool et de cannabis chez les 12-17 ans d'un quartier prioritaire.",
        "Un café tenu par des jeunes bénévoles accueille chaque semaine les adolescents du "
        "quartier : jeux, débats et ateliers animés par des jeunes formés à la prévention.",
        "Les jeunes gèrent le café, choisissent les thèmes des débats et évaluent chaque "
        "trimestre ce qui a marché.",
        True,
    ),
    (
        "sport-night@example.org",
        "en",
        "Midnight Football",
        "City Sports Club Porto",
        ["PT"],
        150,
        12,
        date(2022, 5, 1),
        "Offer young people at risk a safe, drug-free place on weekend nights.",
        "Every Friday and Saturday night, sports halls open for football tournaments organised "
        "by young coaches, with short talks on drugs and alcohol between matches.",
        "Young coaches organise the tournaments, set the rules and sit on the project board.",
        True,
    ),
    (
        "digital-detox@example.org",
        "en",
        "Offline Weekends",
        "Scouts of Ljubljana",
        ["SI"],
        None,
        None,
        None,
        "",
        "",
        "",
        False,
    ),
    (
        "theatre-forum@example.org",
        "fr",
        "Théâtre-forum prévention",
        "Compagnie du Pont",
        ["BE"],
        25,
        None,
        date(2025, 1, 10),
        "Faire réfléchir les lycéens aux pressions du groupe.",
        "",
        "",
        False,
    ),
)


def _content(spec: tuple[Any, ...]) -> dict[str, Any]:
    (
        email,
        _,
        title,
        organisation,
        countries,
        young,
        adults,
        start,
        goals,
        summary,
        part,
        complete,
    ) = spec
    values: dict[str, Any] = {
        "title": title,
        "organisation": organisation,
        "countries": countries,
        "young_people": young,
        "adults": adults,
        "start_date": start,
        "goals": goals,
        "summary": summary,
    }
    if not complete:  # a draft with only its first fields filled
        return {**values, "participation": part, "contact_email": email}
    return steps.application_form(
        email=email,
        participation=part,
        **values,
        applicant_name=organisation,
        address="1 Example Street\n00000 Example Town",
        website="https://www.example.org/",
        contact_person="Alex Example",
        links=["https://www.example.org/project"],
    )


def _applications(
    *, database: Database, settings: Settings, now: datetime, report: DemoReport, edition_id: int
) -> None:
    links = steps.links(settings, now=now).applications
    for i, spec in enumerate(APPLICANTS):
        when = now + timedelta(seconds=i + 1)
        complete = spec[-1]
        with database.write() as session:
            application = steps.apply(
                session=session,
                edition=session.get_one(Edition, edition_id),
                settings=settings,
                links=links,
                email=spec[0],
                language=spec[1],
                values=_content(spec),
                client=f"demo-{i}",
                now=when,
                files=[("peer-radio-leaflet.pdf", _leaflet())] if i == 0 else [],
                submitted=when if complete else None,
            )
            token = links.token(application)
        if i in (0, 3):
            label = "A submitted application" if complete else "A draft application"
            report.links.append((f"{label} (its resume link)", f"/apply/link/{token}"))


def _leaflet() -> bytes:
    """A one-page PDF, made here so that the demo ships no binary file."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length 41 >>\nstream\nBT /F1 18 Tf 40 100 Td (Peer Radio) Tj ET\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf(objects)
