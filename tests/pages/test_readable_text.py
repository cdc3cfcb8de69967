"""What people read, page by page and e-mail by e-mail: no date, time or count that trips a
reader, in English or in French.

Every page of the crawl (tests/pagecrawl_plan.py: public, applicant, juror, secretariat; built on
tests/pagecrawl_data.py) is visited in a browser in both languages, and every e-mail the data
makes is rendered in both languages from its real context. Their text is read against
``FORBIDDEN``, one list of what must never appear, and every ``datetime`` attribute against
``DATETIME``. The site is built here, for this module: nothing depends on another test's pages.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from prize import paths
from prize.domain.shared import outbox
from tests import pagecrawl
from tests.pagecrawl import Site

# Nouns that are counted somewhere in the interface ("3 jurors"): after a 1 (in French, a 0 or
# a 1) they must be singular.
COUNTED_EN = (
    "accounts|applications|ballots|ballot scores|characters|criteria|days|e-mails|entries|files|"
    "hours|jurors|links|messages|minutes|months|places|projects|rows|scores|texts|weeks|winners|"
    "words|years"
)
COUNTED_FR = (
    "bulletins|candidatures|caractères|comptes|courriels|critères|entrées|fichiers|heures|jours|"
    "jurés|lauréats|lignes|liens|messages|minutes|mots|notes|places|projets|semaines|textes"
)

# Its tests share a module fixture that is costly to build: one xdist worker runs them all.
pytestmark = pytest.mark.xdist_group("readable_text")

NOT_PART_OF_A_NUMBER = r"(?<![\d.,\u00a0\u202f])"


@dataclass(frozen=True)
class Rule:
    what: str
    pattern: str
    languages: tuple[str, ...] = ("en", "fr")


# What no page and no e-mail may show, in the language(s) given.
FORBIDDEN = [
    Rule("a time with seconds", r"\b\d{1,2}:\d{2}:\d{2}\b"),
    Rule("a 12-hour clock", r"\b\d{1,2}(?::\d{2})?\s?[AaPp]\.?[Mm]\b"),
    Rule("a numeric date whose day and month can swap", r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"),
    Rule(
        "midnight as a deadline (show the last minute it allows: 23:59 the day before)",
        r"(?i)(deadline|clos|until|limite|clôtur|jusqu)[^!?\n]{0,120}?"
        r"((?<![\d:])00:00(?![\d:])|(?<!\d)0\s?h\s?00\b|\b12:00\s?AM\b|\bmidnight\b|\bminuit\b)",
    ),
    Rule(
        "a raw UTC offset",
        r"\d:\d{2}(?::\d{2})?\s*(?:UTC|GMT)?\s*[+\-−]\d{2}:?\d{2}\b"
        r"|\((?:UTC|GMT)\)|\b(?:UTC|GMT)\s?[+\-−]\s?\d",
    ),
    Rule(
        "a time zone's identifier instead of a place",
        r"\b(?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)/[A-Z]\w+",
    ),
    Rule(
        "a time zone's abbreviation instead of its name (formats.paris_zone)",
        r"\b(?:CES?T|WES?T|EES?T|BST|MSK)\b",
    ),
    Rule("1 with a plural noun", rf"{NOT_PART_OF_A_NUMBER}\b1\s(?:{COUNTED_EN})\b", ("en",)),
    Rule(
        "0 or 1 with a plural noun (both take the singular in French)",
        rf"{NOT_PART_OF_A_NUMBER}\b[01]\s(?:{COUNTED_FR})\b",
        ("fr",),
    ),
    Rule(
        "a colon without the no-break space before it",
        r"(?:[^\s\u00a0\u202f\d]| ):(?![\d/])",
        ("fr",),
    ),
]
# A datetime attribute the HTML checker accepts, and with at most milliseconds.
DATETIME = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?"
# Elements whose text is code or data, not prose: JSON in the audit log, e-mail addresses.
NOT_PROSE = frozenset({"code", "pre", "kbd", "samp", "script", "style", "template", "textarea"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})


def _english_sentences() -> frozenset[str]:
    """Runs of four words or more from the catalogue's English strings that French renders
    differently: any of them on a French page is English the reader was not meant to see."""
    catalogue = paths.ROOT / "prize" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    with catalogue.open("rb") as handle:
        messages = read_po(handle)
    runs = set()
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not ids[0] or ids[0] in strings:
            continue
        for text in ids:
            for run in re.split(r"%\(\w+\)[sd]|%[sd]|<[^>]*>|[\n\"“”«»()]", text):
                if len(run.split()) >= 4:
                    runs.add(" ".join(run.split()))
    return frozenset(runs)


ENGLISH = _english_sentences()


def problems(text: str, language: str) -> list[str]:
    """Every rule ``text`` breaks, with what broke it."""
    found = []
    for rule in FORBIDDEN:
        if language not in rule.languages:
            continue
        for match in re.finditer(rule.pattern, text):
            start = max(0, match.start() - 40)
            found.append(f"{rule.what}: …{text[start : match.end() + 20]!r}")
    if language == "fr":
        flat = " ".join(text.split())
        found += [
            f"an English sentence on a French page: {run!r}" for run in ENGLISH if run in flat
        ]
    return found


# --------------------------------------------------------------------------- reading a page


class _Reader(HTMLParser):
    """The text of a page by language (an element's own ``lang`` counts) and its ``datetime``
    attributes, leaving out code and data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, bool]] = [("", "en", False)]  # (tag, lang, not prose)
        self.text: dict[str, list[str]] = {"en": [], "fr": []}
        self.datetimes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "datetime" in values:
            self.datetimes.append(values["datetime"] or "")
        _, lang, code = self.stack[-1]
        lang = (values.get("lang") or lang).split("-")[0]
        if tag not in VOID:
            self.stack.append((tag, lang, code or tag in NOT_PROSE))
        else:
            self.text.setdefault(lang, []).append(" ")

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break
        self.text.setdefault(self.stack[-1][1], []).append(" ")

    def handle_data(self, data: str) -> None:
        _, lang, code = self.stack[-1]
        self.text.setdefault(lang, []).append(" " if code else data)


def read(html: str) -> tuple[dict[str, str], list[str]]:
    """(the page's prose by language, whitespace collapsed; its datetime attributes)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    prose = {
        lang: re.sub(r"[ \t\r\n]+", " ", "".join(parts)) for lang, parts in reader.text.items()
    }
    return prose, reader.datetimes


# --------------------------------------------------------------------------- the e-mails


@dataclass
class Mails:
    """Every e-mail rendered while the site is built and crawled, in English and French."""

    rendered: list[tuple[str, str, str]] = field(default_factory=list)  # (template, lang, text)

    @property
    def templates(self) -> set[str]:
        return {template for template, _, _ in self.rendered}


@contextlib.contextmanager
def every_mail_in_both_languages() -> Iterator[Mails]:
    """Render each e-mail the code queues again in the other language, from the same context."""
    mails = Mails()
    original = outbox.render

    def render(template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
        # a group message's context is what the secretariat wrote in that one language
        for other in (language,) if template == "group_message" else ("en", "fr"):
            subject, body = original(template, other, context)
            mails.rendered.append((template, other, f"{subject}\n\n{body}"))
        return original(template, language, context)

    for language in ("en", "fr"):  # the lines the sender adds to every message
        footer = outbox.contact_footer(language, "secretariat@example.org")
        mails.rendered.append(("_contact", language, footer))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "render", render)
        yield mails


def mail_the_other_kinds(site: Site) -> None:
    """After the crawl, what sends the e-mails the crawl's data does not: reminders, a
    withdrawal, a late acceptance, a reopened ballot, a link sent again, a group message."""
    from sqlmodel import select

    from prize.domain import broadcasts
    from prize.domain.applicants import applications, reminders, submissions
    from prize.domain.editions import editions
    from prize.domain.jury import links as juror_links
    from prize.domain.jury import panel as jury
    from prize.domain.jury import scoring
    from prize.domain.screening import screening
    from prize.models import Application, Ballot, BallotStatus, Juror
    from tests import jury_factories
    from tests.applykit import CALL_DEADLINE, link_maker
    from tests.pagecrawl_data import NOW, OFFICER

    apps, jurors = site.data.apps, site.data.jurors
    database = site.app.state.database
    with database.write() as session:
        call = editions.get_by_year(session=session, year=2027)
        applications.resend_links(
            session=session,
            edition=call,
            email="draft@example.org",
            links=link_maker(),
            client="192.0.2.1",
            now=NOW,
        )
        submissions.withdraw(
            session=session,
            application=session.get_one(Application, apps["submitted"]),
            links=link_maker(),
            now=NOW,
        )
        screening.accept_late(
            session=session,
            application=session.get_one(Application, apps["screen_draft"]),
            reason="The post office lost the form.",
            actor=OFFICER,
            now=NOW,
            links=link_maker(),
        )
        scoring_juror = session.get_one(Juror, jurors["scoring"])
        juror_links.resend(
            session=session,
            actor=OFFICER,
            now=NOW,
            juror=scoring_juror,
            links=jury_factories.links(),
        )
        jury.remind(
            session=session,
            actor=OFFICER,
            now=NOW,
            edition=editions.get_by_year(session=session, year=2025),
            links=jury_factories.links(),
        )
        submitted = session.exec(
            select(Ballot).where(
                Ballot.juror_id == jurors["submitted"], Ballot.status == BallotStatus.submitted
            )
        ).one()
        scoring.reopen(session=session, actor=OFFICER, now=NOW, ballot=submitted, reason="A typo.")
        edition, group = editions.get_by_year(session=session, year=2025), broadcasts.Group.jurors
        text = broadcasts.Text(
            subject={"en": "The jury meets on Friday", "fr": "Le jury se réunit vendredi"},
            body={"en": "Dear {name}, see you there.", "fr": "Bonjour {name}, à vendredi."},
        )
        people = broadcasts.recipients(session=session, edition=edition, group=group, now=NOW)
        broadcasts.send(  # sent as previewed
            session=session,
            edition=edition,
            group=group,
            text=text,
            previewed=broadcasts.fingerprint(
                edition=edition, group=group, text=text, people=people
            ),
            actor=OFFICER,
            now=NOW,
            juror_links=jury_factories.links(),
        )
    with database.write() as session:  # a week before the deadline: the draft is reminded
        reminders.queue_deadline_reminders(
            session=session, now=CALL_DEADLINE - timedelta(days=6), links=link_maker()
        )


@dataclass
class Read:
    site: Site
    mails: Mails
    pages: dict[str, dict[str, str]]  # language -> visit -> served HTML


@pytest.fixture(scope="module")
def read_site(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, browser: Any
) -> Iterator[Read]:
    folder = tmp_path_factory.mktemp("reading")
    with every_mail_in_both_languages() as mails, pagecrawl.site(sqlite_template, folder) as site:
        pages: dict[str, dict[str, str]] = {}
        for lang in ("en", "fr"):
            context = browser.new_context(locale="en-GB", timezone_id="Africa/Tunis")
            context.add_cookies([{"name": "lang", "value": lang, "url": site.url}])
            crawl = pagecrawl.Crawl(
                page=context.new_page(),
                base=site.url,
                label=f"{lang}-reading",
                lang=lang,
                clock=site.clock,
                accessible=False,
                served={},
            )
            try:
                crawled = crawl.run(site.visits)
            finally:
                context.close()
            assert not crawled, "\n".join(crawled)
            pages[lang] = crawl.served or {}
        mail_the_other_kinds(site)
        yield Read(site=site, mails=mails, pages=pages)


# --------------------------------------------------------------------------- the tests


def _broken(text: str, language: str) -> list[str]:
    return sorted({p.split(":")[0] for p in problems(text, language)})


def test_the_rules_catch_what_readers_tripped_on() -> None:
    seconds, twelve, numeric = "a time with seconds", "a 12-hour clock", "a numeric date"
    midnight, offset, zone, abbreviation = (
        "midnight as a deadline (show the last minute it allows",
        ("a raw UTC offset"),
        "a time zone's identifier instead of a place",
        "a time zone's abbreviation instead of its name (formats.paris_zone)",
    )
    seen = {
        ("Apr 6, 2027, 12:00:00 AM, Paris time", "en"): [twelve, seconds],
        ("Deadline: Tuesday 6 April 2027, 00:00 Paris time", "en"): [midnight],
        ("date limite\u00a0: 6 avr. 2027 à 0\u00a0h\u00a000", "fr"): [midnight],
        ("12/6/26, 10:32 PM", "en"): [twelve, numeric + " whose day and month can swap"],
        ("Reply by 6 July 2027 23:59:59 +0100", "en"): [offset, seconds],
        (" · 6 Apr 2027, 23:00 (UTC)", "en"): [offset],
        (" · 6 Apr 2027, 23:00 (Africa/Tunis)", "en"): [zone],
        ("à l'heure de Paris (CET en hiver, CEST en été)", "fr"): [abbreviation],
        ("1 ballots counted.", "en"): ["1 with a plural noun"],
        ("0 candidatures", "fr"): ["0 or 1 with a plural noun (both take the singular in French)"],
        ("Annonce: le 5 avril", "fr"): ["a colon without the no-break space before it"],
        ("Annonce : le 5 avril", "fr"): ["a colon without the no-break space before it"],
        ("Votre brouillon. Your draft is saved. You can come back to it with your link.", "fr"): [
            "an English sentence on a French page"
        ],
    }
    assert {key: _broken(*key) for key in seen} == seen
    fine = [
        ("Monday 5 April 2027, 23:59 Paris time (your time: 22:59 in Tunis)", "en"),
        ("Deadline: Monday 5 April 2027, 10:00 Paris time", "en"),
        ("lundi 5 avril 2027 à 23\u00a0h\u00a059 (heure de Paris)", "fr"),
        (
            "à l'heure de Paris (heure normale d’Europe centrale en hiver, heure d’été d’Europe "
            "centrale en été)",
            "fr",
        ),
        ("Annonce\u00a0: 5 avr. 2027 à 9\u00a0h\u00a005 · https://example.org", "fr"),
        ("1 ballot counted; 21 ballots; 2027-04-05 23:59; EDPP-2027-0001; +33 3 88 41 20 00", "en"),
        ("1 candidature ; 2 candidatures ; 0,1 point", "fr"),
    ]
    assert {key: _broken(*key) for key in fine} == {key: [] for key in fine}
    assert re.fullmatch(DATETIME, "2027-04-05T21:59Z")
    assert not re.fullmatch(DATETIME, "2027-04-05T21:59:00.123456+00:00")


@pytest.mark.browser
def test_every_page_reads_right_in_english_and_french(read_site: Read) -> None:
    found = []
    for lang, pages in read_site.pages.items():
        assert len(pages) == len(read_site.site.visits), lang
        for name, html in pages.items():
            prose, datetimes = read(html)
            for language, text in prose.items():
                found += [f"{lang} {name}: {p}" for p in problems(text, language)]
            found += [
                f"{lang} {name}: a datetime attribute {value!r}"
                for value in datetimes
                if not re.fullmatch(DATETIME, value)
            ]
    assert not found, f"{len(found)} problems:\n" + "\n".join(found)


@pytest.mark.browser
def test_every_email_reads_right_in_english_and_french(read_site: Read) -> None:
    templates = {p.stem for p in (paths.TEMPLATES / "mail").glob("*.txt")}
    missing = sorted(templates - read_site.mails.templates)
    assert not missing, f"e-mail templates no data renders: {missing}"
    found = [
        f"{template} ({language}): {p}"
        for template, language, text in read_site.mails.rendered
        for p in problems(text, language)
    ]
    assert not found, f"{len(found)} problems:\n" + "\n".join(sorted(set(found)))
