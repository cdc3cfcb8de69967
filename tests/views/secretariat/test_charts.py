"""The pictures of the back office: server-rendered SVG whose text alternative and table say the
same figures as the data they are drawn from (no script, no style attribute)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from prize import charts
from prize.models import ApplicationStatus as A
from prize.models import EditionState
from tests import factories, htmlpages
from tests.jurykit import cast_ballot, make_scored_edition


def _svg(page: str, chart_id: str) -> str:
    start = page.index(f'aria-labelledby="{chart_id}-t" aria-describedby="{chart_id}-d"')
    return page[page.rindex("<svg", 0, start) : page.index("</svg>", start)]


def _desc(page: str, chart_id: str) -> str:
    found = re.search(rf'<desc id="{chart_id}-d">(.*?)</desc>', page, re.S)
    assert found, chart_id
    return unescape(found.group(1))


def test_stacked_bar_splits_the_width_in_proportion():
    bar = charts.stacked_bar([("a", "A", 1), ("b", "B", 0), ("c", "C", 3)], width=400)
    assert [(s.key, s.x, s.width) for s in bar.segments] == [
        ("a", 0.0, 100.0),
        ("b", 100.0, 0.0),
        ("c", 100.0, 300.0),
    ]
    assert bar.total == 4
    assert charts.stacked_bar([("a", "A", 0)]).segments[0].width == 0  # nothing: no division


def test_columns_are_as_tall_as_their_values():
    chart = charts.columns([("1/6", 2), ("2/6", 0), ("3/6", 4)])
    heights = [c.height for c in chart.columns]
    assert heights[1] == 0 and heights[2] == 2 * heights[0]
    assert chart.most == 4 and chart.ticks[0][1] == 0 and chart.ticks[-1][1] == 4


def test_dot_plot_draws_the_cut_under_the_last_proposed_place():
    rows = [(f"P{n}", [n, n + 2], n + 1, n < 2) for n in range(4)]
    plot = charts.dot_plot(rows, low=0, high=10, cut=2)
    assert plot.cut_y == plot.top + 2 * 22
    assert plot.rows[0].dots == (plot.rows[0].low, plot.rows[0].high)
    assert charts.dot_plot(rows, low=0, high=10, cut=4).cut_y is None  # everyone above it
    assert charts.short("A very long title that goes on and on", 12) == "A very long…"


def test_dashboard_pipeline_says_the_counts_it_draws(staff_client, sqlite_db):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        for status, n in ((A.draft, 2), (A.submitted, 3), (A.eligible, 4), (A.withdrawn, 1)):
            for _ in range(n):
                factories.application(session=session, edition=edition, status=status)
    page = staff_client.get("/secretariat").text
    assert _desc(page, "pipeline-2027") == (
        "10 applications in all. drafts: 2, submitted, to screen: 3, eligible: 4, "
        "ineligible: 0, returned for information: 0, withdrawn: 1."
    )
    svg = _svg(page, "pipeline-2027")
    widths = dict(re.findall(r'<rect class="seg-(\w+)" x="[\d.]+" y="0" width="([\d.]+)"', svg))
    assert widths == {
        "draft": "128.0",
        "submitted": "192.0",
        "eligible": "256.0",
        "withdrawn": "64.0",
    }
    assert "style=" not in page and 'role="img"' in svg


def test_dashboard_shows_submissions_per_day_of_the_call(staff_client, sqlite_db, clock):
    deadline = datetime(2027, 3, 20, 22, 59, tzinfo=UTC)
    with sqlite_db.write() as session:
        edition = factories.edition(
            session=session,
            state=EditionState.open,
            opens_at=datetime(2027, 2, 1, tzinfo=UTC),
            deadline=deadline,
        )
        for days_ago, n in ((0, 2), (3, 1), (40, 5)):  # the last is before the four weeks
            for _ in range(n):
                factories.application(
                    session=session,
                    edition=edition,
                    submitted_at=clock() - timedelta(days=days_ago, hours=1),
                )
    page = staff_client.get("/secretariat").text
    assert _desc(page, "per-day-2027") == (
        "3 applications submitted over these days. Most in one day: 2."
    )
    rows = re.findall(r'<tr><td class="nowrap">([^<]+)</td><td class="num">(\d+)</td></tr>', page)
    assert len(rows) == 9  # from 21 February (the last four weeks: to 20 March) to today
    assert sum(int(n) for _, n in rows) == 3 and rows[-1][1] == "2" and rows[-4][1] == "1"
    assert len(re.findall(r"<rect class=\"bar\"", _svg(page, "per-day-2027"))) == 9


def test_dashboard_shows_each_jurors_progress_and_the_days_left(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock(), n_jurors=3)
        cast_ballot(session, scored, 0, "shortlist", {i: 5 for i in range(9)}, now=clock())
        cast_ballot(session, scored, 1, "shortlist", {0: 5, 1: 4}, submitted=False)
    page = staff_client.get("/secretariat").text
    htmlpages.save("secretariat_dashboard_charts", page)
    assert "The round closes in 30 days." in page
    lena, omar, ana = (f"{j.first_name} {j.last_name}" for j in scored.jurors)
    assert _desc(page, "jury-2027") == (  # in the jury page's order, by name
        f"{ana}: 0 of 9 scored; {lena}: 9 of 9 scored (submitted); {omar}: 2 of 9 scored."
    )
    bars = re.findall(
        r'<rect class="bar" x="190" y="[\d.]+" width="([\d.]+)"', _svg(page, "jury-2027")
    )
    assert bars == ["380.0", "84.4"]  # 9/9 and 2/9 of 380; none drawn for 0


def test_tally_chart_labels_rows_with_titles_and_draws_the_cut(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock(), n_jurors=3)
        for juror in range(3):
            marks = {i: (i * 3 + juror) % 10 + 1 for i in range(9)}
            cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
    page = staff_client.get("/secretariat/editions/2027/tally/shortlist").text
    htmlpages.save("secretariat_tally_chart", page)
    svg = _svg(page, "tally-chart")
    assert "· Project" in svg  # titles, not only references
    assert '<line class="cut"' in svg and "shortlist cut" in svg
    desc = _desc(page, "tally-chart")
    ranked = re.findall(r"(\d+)\. (EDPP-2027-\d{4}) · (Project \w): score ([\d.]+)", desc)
    assert len(ranked) == 9 and [r[0] for r in ranked] == [str(n) for n in range(1, 10)]
    table = page[page.index("The figures behind the chart") :]
    for _rank, reference, title, score in ranked:
        row = re.search(rf"{reference}</span> · {title}</th><td class=\"num\">([\d.]+)</td>", table)
        assert row and row.group(1) == score, reference
