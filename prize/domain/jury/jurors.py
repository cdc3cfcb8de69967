"""Jurors: adding and importing them, guardians' consent, and reading them.

Their signed links (invite, resend, revoke, reissue, replace) are in ``links``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from prize import countries
from prize.domain.errors import DomainError, NotAllowed, NotFound
from prize.domain.shared import audit
from prize.domain.shared.email_addresses import normalise_email, parse_email
from prize.i18n import Message, Plural
from prize.models import ActorKind, Edition, EditionState, Juror, OutboxMessage, pk
from prize.settings import LANGUAGES
from prize.storage import Store, StoredFile, clean_filename

PARIS = ZoneInfo("Europe/Paris")
ADULT_AGE = 18
CLOSED_STATES = (EditionState.decided, EditionState.published)
LINK_KINDS = ("juror_invitation", "juror_link")  # outbox kinds that carry a ballot link


@dataclass(frozen=True)
class JurorData:
    """A juror's details as the secretariat typed or imported them (already parsed)."""

    first_name: str
    last_name: str
    email: str
    country: str
    birth_date: date
    language: str = "en"
    guardian_name: str = ""
    guardian_consent_on: date | None = None
    publish_name_consent: bool = False


@dataclass(frozen=True)
class RowError:
    """One refused row of an import: its line number in the file and what is wrong."""

    line: int
    field: str
    message: Message


class ImportRefused(DomainError):
    """Some rows are wrong: nothing was imported. ``rows`` says which and why."""

    def __init__(self, rows: list[RowError]) -> None:
        super().__init__(
            Plural(
                "Nothing was imported: %(num)s row needs correcting.",
                "Nothing was imported: %(num)s rows need correcting.",
                len(rows),
            ),
            field="csv",
        )
        self.rows = rows


def paris_today(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def age_on(birth_date: date, day: date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def is_minor(juror: Juror | JurorData, now: datetime) -> bool:
    """Under 18 today (Paris); False once the date of birth was erased."""
    birth_date: date | None = juror.birth_date
    if birth_date is None:
        return False
    return age_on(birth_date, paris_today(now)) < ADULT_AGE


def needs_guardian_consent(juror: Juror, now: datetime) -> bool:
    """Under 18 today without a guardian's consent recorded, with its signed form: cannot be
    invited yet."""
    return is_minor(juror, now) and (juror.guardian_consent_at is None or not juror.guardian_form)


def attach_guardian_form(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    juror: Juror,
    stored: StoredFile,
    filename: str,
    store: Store,
) -> Juror:
    """Keep the guardian's signed consent form (stored and checked as an applicant's file is);
    a form uploaded again replaces the earlier one, whose file goes once this commits."""
    if juror.erased_at is not None:
        raise NotAllowed("This juror's personal data was erased.")
    edition = edition_of(session=session, juror=juror)
    if edition.state is EditionState.published:
        raise NotAllowed("The results are published: the jury they name no longer changes.")
    earlier = juror.guardian_form
    juror.guardian_form = stored.stored_name
    juror.guardian_form_name = clean_filename(filename, stored.content_type)
    juror.guardian_form_type = stored.content_type
    session.add(juror)
    audit.record(
        session=session,
        actor=actor,
        kind="juror.guardian_form_added",
        now=now,
        edition_id=juror.edition_id,
        subject_kind="juror",
        subject_id=juror.id,
        data={"type": stored.content_type, "size": stored.size, "replaced": bool(earlier)},
    )
    session.flush()
    if earlier:
        store.delete_after_commit(session, [earlier])
    return juror


def consent_instant(day: date) -> datetime:
    """A consent date stored as noon UTC, which is the same day in Paris."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


# --------------------------------------------------------------------------- reading


def jurors_of(*, session: Session, edition: Edition, active_only: bool = False) -> list[Juror]:
    stmt = select(Juror).where(Juror.edition_id == edition.id)
    if active_only:
        stmt = stmt.where(col(Juror.active).is_(True))
    return list(session.exec(stmt.order_by(col(Juror.last_name), col(Juror.first_name))))


def edition_of(*, session: Session, juror: Juror) -> Edition:
    return session.get_one(Edition, juror.edition_id)


def find_by_email(*, session: Session, email: str, year: int | None = None) -> Juror:
    """The juror with this address (in ``year``, else in the newest edition that has one)."""
    stmt = (
        select(Juror)
        .join(Edition, col(Edition.id) == col(Juror.edition_id))
        .where(Juror.email == normalise_email(email))
        .order_by(col(Juror.active).desc(), col(Edition.year).desc())
    )
    if year is not None:
        stmt = stmt.where(Edition.year == year)
    juror = session.exec(stmt).first()
    if juror is None:
        raise NotFound("No juror has the address %(email)s.", email=email)
    return juror


def links_sent(*, session: Session, edition: Edition) -> dict[str, int]:
    """How many link e-mails each address of this edition's jury was sent."""
    rows = session.exec(
        select(col(OutboxMessage.recipient), func.count())
        .where(
            OutboxMessage.edition_id == edition.id,
            col(OutboxMessage.kind).in_(LINK_KINDS),
        )
        .group_by(col(OutboxMessage.recipient))
    ).all()
    return {recipient: int(n) for recipient, n in rows}


# --------------------------------------------------------------------------- adding


def check_open_jury(edition: Edition) -> None:
    if edition.state in CLOSED_STATES:
        raise NotAllowed("The jury of a decided edition can no longer change.")


def _row_problems(data: JurorData, now: datetime, taken: set[str]) -> list[tuple[str, Message]]:
    """What is wrong with one juror's data, by field; ``taken`` holds addresses already in use."""
    problems: list[tuple[str, Message]] = []
    if not data.first_name.strip() or len(data.first_name) > 100:
        problems.append(("first_name", Message("Give a first name of at most 100 characters.")))
    if not data.last_name.strip() or len(data.last_name) > 100:
        problems.append(("last_name", Message("Give a last name of at most 100 characters.")))
    email = parse_email(data.email)
    if email is None:
        problems.append(("email", Message("Give a valid e-mail address.")))
    elif email in taken:
        problems.append(("email", Message("A juror of this edition has this address already.")))
    if not countries.is_known(data.country):
        problems.append(("country", Message("Choose a country.")))
    if data.birth_date >= paris_today(now):
        problems.append(("birth_date", Message("The date of birth must be in the past.")))
    if data.language not in LANGUAGES:
        problems.append(("language", Message("Choose English or French.")))
    if len(data.guardian_name) > 200:
        problems.append(("guardian_name", Message("Use at most 200 characters.")))
    if data.guardian_consent_on is not None:
        if not data.guardian_name.strip():
            problems.append(("guardian_name", Message("Give the guardian's name.")))
        if data.guardian_consent_on > paris_today(now):
            problems.append(
                ("guardian_consent_on", Message("The date of consent cannot be in the future."))
            )
    elif data.guardian_name.strip():
        problems.append(
            ("guardian_consent_on", Message("Give the date of the guardian's consent."))
        )
    if data.publish_name_consent and is_minor(data, now) and data.guardian_consent_on is None:
        problems.append(
            (
                "publish_name_consent",
                Message(
                    "A juror under 18 needs a guardian's consent before the name is published."
                ),
            )
        )
    return problems


def _taken_addresses(session: Session, edition: Edition) -> set[str]:
    return set(session.exec(select(Juror.email).where(Juror.edition_id == edition.id)).all())


def _new_juror(edition: Edition, data: JurorData, now: datetime) -> Juror:
    return Juror(
        edition_id=pk(edition),
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        email=normalise_email(data.email),  # checked by _row_problems: one mailbox
        country=data.country.upper(),
        birth_date=data.birth_date,
        language=data.language,
        guardian_name=data.guardian_name.strip(),
        guardian_consent_at=consent_instant(data.guardian_consent_on)
        if data.guardian_consent_on
        else None,
        publish_name_consent=data.publish_name_consent,
        created_at=now,
    )


def add_juror(
    *, session: Session, actor: audit.Actor, now: datetime, edition: Edition, data: JurorData
) -> Juror:
    """Add one juror (not invited yet)."""
    check_open_jury(edition)
    problems = _row_problems(data, now, _taken_addresses(session, edition))
    if problems:
        name, message = problems[0]
        raise DomainError(message.msgid, field=name, **message.params)
    juror = _new_juror(edition, data, now)
    session.add(juror)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        kind="juror.added",
        now=now,
        edition_id=edition.id,
        subject_kind="juror",
        subject_id=juror.id,
    )
    return juror


def import_jurors(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    rows: Sequence[tuple[int, JurorData]],
    parse_errors: Sequence[RowError] = (),
) -> list[Juror]:
    """Add every row, or none: any wrong row (``parse_errors`` included) refuses the whole file."""
    check_open_jury(edition)
    errors = list(parse_errors)
    taken = _taken_addresses(session, edition)
    for line, data in rows:
        for name, message in _row_problems(data, now, taken):
            errors.append(RowError(line, name, message))
        taken.add(normalise_email(data.email))
    if not rows and not errors:
        raise DomainError("The file has no juror in it.", field="csv")
    if errors:
        raise ImportRefused(rows=sorted(errors, key=lambda e: e.line))
    added = []
    for _, data in rows:
        juror = _new_juror(edition, data, now)
        session.add(juror)
        added.append(juror)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        kind="juror.imported",
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        data={"jurors": [j.id for j in added]},
    )
    return added


def record_consent(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    juror: Juror,
    guardian_name: str,
    consent_on: date | None,
    publish_name_consent: bool,
) -> Juror:
    """Record a guardian's consent (needed to invite a minor) and whether the name may be
    published (for a minor, only with a guardian's consent)."""
    if juror.erased_at is not None:
        raise NotAllowed("This juror's personal data was erased.")
    edition = edition_of(session=session, juror=juror)
    if edition.state is EditionState.published:
        raise NotAllowed("The results are published: the jury they name no longer changes.")
    guardian_name = guardian_name.strip()
    missing_date = guardian_name or (is_minor(juror, now) and juror.guardian_consent_at is None)
    if consent_on is None and missing_date:
        raise DomainError("Give the date of the guardian's consent.", field="consent_on")
    if consent_on is not None:
        if not guardian_name:
            raise DomainError("Give the guardian's name.", field="guardian_name")
        if len(guardian_name) > 200:
            raise DomainError("Use at most 200 characters.", field="guardian_name")
        if consent_on > paris_today(now):
            raise DomainError("The date of consent cannot be in the future.", field="consent_on")
        if juror.birth_date is not None and consent_on < juror.birth_date:
            raise DomainError(
                "The date of consent comes before the birth date.", field="consent_on"
            )
        juror.guardian_name = guardian_name
        juror.guardian_consent_at = consent_instant(consent_on)
    if publish_name_consent and is_minor(juror, now) and juror.guardian_consent_at is None:
        raise DomainError(
            "A juror under 18 needs a guardian's consent before the name is published.",
            field="publish_name_consent",
        )
    juror.publish_name_consent = publish_name_consent
    session.add(juror)
    audit.record(
        session=session,
        actor=actor,
        kind="juror.consent_recorded",
        now=now,
        edition_id=juror.edition_id,
        subject_kind="juror",
        subject_id=juror.id,
        data={
            "guardian": juror.guardian_consent_at is not None,
            "publish_name": publish_name_consent,
        },
    )
    session.flush()
    return juror


def actor_of(juror: Juror) -> audit.Actor:
    return audit.Actor(ActorKind.juror, juror.id)
