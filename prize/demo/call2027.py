"""The open 2027 call: the edition newcomers see first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from prize.db import Database
from prize.domain import audit, editions, lifecycle
from prize.domain.editions import CriterionSpec
from prize.models import EditionState
from prize.settings import Settings

if TYPE_CHECKING:
    from prize.demo import DemoReport

CRITERIA = (
    CriterionSpec(
        name_en="Innovation",
        name_fr="Innovation",
        description_en="New ideas in content or method, or a known approach used in a new way.",
        description_fr="Des idées nouvelles, dans le contenu ou la méthode, ou une approche connue utilisée autrement.",
    ),
    CriterionSpec(
        name_en="Efficiency",
        name_fr="Efficacité",
        description_en="The project reaches its prevention goals, and shows how it knows.",
        description_fr="Le projet atteint ses objectifs de prévention, et montre comment il le sait.",
    ),
    CriterionSpec(
        name_en="Active youth participation",
        name_fr="Participation active des jeunes",
        description_en="Young people under 25 shape the project: its strategy, decisions, activities and evaluation.",
        description_fr="Les jeunes de moins de 25 ans façonnent le projet : sa stratégie, ses décisions, ses activités et son évaluation.",
        weight=2.0,
    ),
    CriterionSpec(
        name_en="Sustainability",
        name_fr="Durabilité",
        description_en="The project can last and grow beyond its first funding.",
        description_fr="Le projet peut durer et grandir au-delà de son premier financement.",
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


def build(*, database: Database, settings: Settings, now: datetime, report: DemoReport) -> None:
    opens = (now - timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
    deadline = (now + timedelta(days=120)).replace(hour=22, minute=0, second=0, microsecond=0)
    with database.write() as session:
        edition = editions.create_edition(
            session=session,
            actor=audit.SYSTEM,
            now=now,
            year=2027,
            title_en="European Drug Prevention Prize 2027",
            title_fr="Prix européen de prévention des drogues 2027",
            call_en=CALL_EN,
            call_fr=CALL_FR,
            prize_en=PRIZE_EN,
            prize_fr=PRIZE_FR,
            opens_at=opens,
            deadline=deadline.astimezone(UTC),
            criteria=CRITERIA,
            shortlist_closes_at=deadline + timedelta(days=45),
            final_closes_at=deadline + timedelta(days=90),
            announce_at=deadline + timedelta(days=120),
        )
        lifecycle.move(
            session=session, edition=edition, to=EditionState.open, actor=audit.SYSTEM, now=now
        )
    report.links.append(("The 2027 call", "/"))
