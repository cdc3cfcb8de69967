"""The public results page draws the final round's scores per project, with the method, and
says in words and in a table the same figures it draws."""

from __future__ import annotations

import re
from html import unescape

from prize.domain import transitions
from prize.domain.editions import editions
from prize.domain.results import published
from prize.domain.shared import audit
from prize.models import ActorKind
from tests import htmlpages
from tests.jurykit import make_decided_edition


def test_results_page_charts_the_final_round_scores(client, sqlite_db, clock):
    with sqlite_db.write() as session:
        make_decided_edition(session, clock)
        edition = editions.get_by_year(session=session, year=2027)
        transitions.publish(
            session=session, edition=edition, actor=audit.Actor(ActorKind.staff, None), now=clock()
        )
        data = published.get_results(session=session, year=2027)
    shown = sorted(
        ((i.title, i.score) for i in data.winners + data.nominated if i.score is not None),
        key=lambda pair: -pair[1],
    )
    page = client.get("/editions/2027/results").text
    htmlpages.save("results_chart", page)
    desc = unescape(re.search(r'<desc id="final-scores-d">(.*?)</desc>', page, re.S).group(1))
    assert desc == "; ".join(f"{title}: {score:.2f}" for title, score in shown) + "."
    svg = page[page.index('aria-labelledby="final-scores-t') : page.index("</svg>")]
    assert len(re.findall(r'<rect class="bar"', svg)) == len(shown)
    assert "style=" not in page
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">([\d.]+)</td></tr>', page)
    assert rows == [(title, f"{score:.2f}") for title, score in shown]
    assert "Each score is the mean of the jurors' final-round scores of the project" in unescape(
        page
    )
