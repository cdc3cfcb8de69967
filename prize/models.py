"""SQLModel tables and the enums that hold every state.

The schema itself is made only by the Alembic migrations in ``alembic/versions``; a test checks
that these models and the migrations never drift apart.
"""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime on every engine (SQLite keeps no time zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: _Stored) -> int:
    """The id of a row read from or flushed to the database, where it always has one (the models
    type it ``int | None`` for a row not stored yet). A row never flushed is a bug: it raises."""
    if row.id is None:
        raise ValueError(f"this {type(row).__name__} has no id yet: flush it first")
    return row.id


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_secret() -> str:
    """A row's random link secret (16 random bytes), carried by each of its links and compared
    on every use, so that a link opens only the row it was made for (see ``prize.tokens``)."""
    return secrets.token_urlsafe(16)


def _secret() -> Any:
    # Rows from before secrets existed keep "" (their old links carry none; see prize.tokens).
    return Field(default_factory=new_secret, max_length=32, sa_column_kwargs={"server_default": ""})


def _enum(cls: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(
        cls,
        native_enum=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def _when(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime(), **kw)


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_type=sa.JSON)


def _text(**kw: Any) -> Any:
    return Field(default="", sa_type=sa.Text, **kw)


def _fk(target: str, *, nullable: bool = False, ondelete: str | None = None) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column_args=[sa.ForeignKey(target, ondelete=ondelete)],
        nullable=nullable,
        index=True,
    )


# --------------------------------------------------------------------------- enums


class EditionState(enum.StrEnum):
    draft = "draft"
    open = "open"
    screening = "screening"
    shortlisting = "shortlisting"
    final = "final"
    decided = "decided"
    published = "published"


class ApplicationStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"  # back to the applicant for missing information
    eligible = "eligible"
    ineligible = "ineligible"
    withdrawn = "withdrawn"


class ContentKind(enum.StrEnum):
    draft = "draft"  # what the applicant is editing
    submitted = "submitted"  # what stands until a resubmit replaces it


class Round(enum.StrEnum):
    shortlist = "shortlist"
    final = "final"


class BallotStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"


class StaffRole(enum.StrEnum):
    secretariat = "secretariat"
    adviser = "adviser"


class ActorKind(enum.StrEnum):
    staff = "staff"
    applicant = "applicant"
    juror = "juror"
    system = "system"


class Award(enum.StrEnum):
    shortlisted = "shortlisted"
    winner = "winner"
    nominated = "nominated"
    special_mention = "special_mention"


class OutboxStatus(enum.StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    held = "held"  # a rehearsal's message to an address not listed for it: never sent


# --------------------------------------------------------------------------- editions


class EditionYear(int):
    """An edition's year as the back office's addresses name it: the year, and whether it is
    the rehearsal of that year (``/secretariat/editions/2027-rehearsal/...``), so that a
    rehearsal and the real edition of its year each have their own pages. Used as an ``int``
    it is the year."""

    rehearsal: bool

    def __new__(cls, year: int, rehearsal: bool = False) -> EditionYear:
        made = super().__new__(cls, year)
        made.rehearsal = rehearsal
        return made

    @property
    def key(self) -> str:
        return f"{int(self)}-rehearsal" if self.rehearsal else str(int(self))


class Edition(SQLModel, table=True):
    # One real edition a year, and beside it at most one rehearsal of the same year.
    __table_args__ = (sa.UniqueConstraint("year", "rehearsal"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    title_en: str = Field(max_length=200)
    title_fr: str = Field(default="", max_length=200)
    call_en: str = _text()
    call_fr: str = _text()
    prize_en: str = _text()
    prize_fr: str = _text()
    state: EditionState = Field(default=EditionState.draft, sa_type=_enum(EditionState))
    opens_at: datetime = _when()
    deadline: datetime = _when()
    shortlist_closes_at: datetime | None = _when(default=None)
    final_closes_at: datetime | None = _when(default=None)
    announce_at: datetime | None = _when(default=None)
    published_at: datetime | None = _when(default=None)
    eligible_countries: list[str] = _json(list)  # ISO 3166 alpha-2 codes
    shortlist_size: int = 7
    scale_min: int = 0
    scale_max: int = 10
    normalise: bool = True
    quorum: int = 3
    # Whether the e-mail telling shortlisted applicants asks them to keep it confidential until
    # the results are published (the embargo), or lets them share it at once.
    shortlist_embargo: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    is_sample: bool = False  # invented demo content, labelled as such wherever shown
    archived: bool = False  # results recorded by hand, without ballots
    # A rehearsal: never public, e-mails only to ``rehearsal_recipients`` (others stay held in
    # the outbox), results marked "rehearsal", deletable with all its data.
    rehearsal: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    rehearsal_recipients: list[str] = Field(
        default_factory=list, sa_type=sa.JSON, sa_column_kwargs={"server_default": "[]"}
    )
    last_number: int = 0  # the last reference number given, taken under a lock
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)

    @property
    def path_year(self) -> EditionYear:
        """The year as the back office's addresses name this edition (see ``EditionYear``)."""
        return EditionYear(self.year, self.rehearsal)


class Criterion(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("edition_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = _fk("edition.id", ondelete="CASCADE")
    position: int
    name_en: str = Field(max_length=200)
    name_fr: str = Field(default="", max_length=200)
    description_en: str = _text()
    description_fr: str = _text()
    weight: float = 1.0
    # One [en, fr] sentence per band of scores, "" for the default: see domain/editions/bands.py.
    bands: list[list[str]] = _json(list)


# --------------------------------------------------------------------------- applications


class Application(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "number"),
        sa.UniqueConstraint("reference"),
    )

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = _fk("edition.id")
    email: str = Field(max_length=254, index=True)
    language: str = Field(default="en", max_length=5)
    status: ApplicationStatus = Field(
        default=ApplicationStatus.draft, sa_type=_enum(ApplicationStatus), index=True
    )
    number: int | None = None
    reference: str | None = Field(default=None, max_length=20)
    link_version: int = 1
    link_secret: str = _secret()
    # When the applicant first opened a link e-mailed to ``email``: until then (a draft opened
    # straight from the start page) the application cannot be submitted.
    email_confirmed_at: datetime | None = _when(default=None)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
    submitted_at: datetime | None = _when(default=None)
    withdrawn_at: datetime | None = _when(default=None)
    late_reason: str = _text()  # set when the secretariat accepted it after the deadline
    screening_reason: str = Field(default="", max_length=40)  # a rule code, see domain
    screening_note: str = _text()
    info_message: str = _text()
    info_due: datetime | None = _when(default=None)
    screened_at: datetime | None = _when(default=None)
    # A screening decision recorded but not e-mailed yet, which goes with the next batch of
    # screening results and may be corrected until then: "decision" (the applicant knows none),
    # "change" (it changes one they were told); "" when nothing waits.
    screening_mail: str = Field(default="", max_length=10, sa_column_kwargs={"server_default": ""})
    translation: dict[str, str] = _json(dict)  # field name -> English text, for the jury
    reminded_7_at: datetime | None = _when(default=None)
    reminded_1_at: datetime | None = _when(default=None)
    # The deadline each reminder was sent for (or that ``deadline_changed`` told): a reminder is
    # due again, relative to the new deadline, once the deadline moves.
    reminded_7_for: datetime | None = _when(default=None)
    reminded_1_for: datetime | None = _when(default=None)
    erased_at: datetime | None = _when(default=None)


class ApplicationContent(SQLModel, table=True):
    """What an applicant typed: one draft and one submitted version at most."""

    __tablename__ = "application_content"
    __table_args__ = (sa.UniqueConstraint("application_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = _fk("application.id", ondelete="CASCADE")
    kind: ContentKind = Field(default=ContentKind.draft, sa_type=_enum(ContentKind))
    updated_at: datetime = _when(default_factory=utcnow)
    # A. Project
    title: str = Field(default="", max_length=300)
    organisation: str = Field(default="", max_length=300)
    countries: list[str] = _json(list)  # the first is where it mainly runs
    young_people: int | None = None
    adults: int | None = None
    start_date: date | None = None
    still_running: bool | None = None
    end_date: date | None = None
    # B. Contacts
    applicant_name: str = Field(default="", max_length=200)
    address: str = _text()
    phone: str = Field(default="", max_length=50)
    contact_email: str = Field(default="", max_length=254)
    website: str = Field(default="", max_length=500)
    social_links: str = _text()
    contact_person: str = Field(default="", max_length=200)
    contact_person_email: str = Field(default="", max_length=254)
    # C. Description
    goals: str = _text()
    summary: str = _text()
    participation: str = _text()
    # {"strategy"|"structures"|"activities"|"evaluation": {"involved": bool, "how": str}}
    involvement: dict[str, Any] = _json(dict)
    links: list[str] = _json(list)
    consent_processing: bool = False
    # Publication, if the project is decided (docs/design.md, "Contracts"): (1) its
    # title, organisation and country; (2) its summary. Without (1) it is "a project from X".
    consent_publication: bool = False
    consent_summary: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    content_id: int = _fk("application_content.id", ondelete="CASCADE")
    stored_name: str = Field(max_length=64)  # random; never the client's name
    original_name: str = Field(max_length=255)
    content_type: str = Field(max_length=50)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = _when(default_factory=utcnow)


class StoredFileRow(SQLModel, table=True):
    """An uploaded file kept in the database (``PRIZE_STORAGE_URL=database:``), its content in
    ``StoredChunk`` rows; ``name`` is the random stored name attachments refer to."""

    __tablename__ = "stored_file"
    name: str = Field(primary_key=True, max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=50)
    created_at: datetime = _when(default_factory=utcnow)


class StoredChunk(SQLModel, table=True):
    """One piece of a ``StoredFileRow``'s content, in order of ``seq`` (from 0)."""

    __tablename__ = "stored_chunk"
    name: str = Field(
        primary_key=True,
        max_length=64,
        sa_column_args=[sa.ForeignKey("stored_file.name", ondelete="CASCADE")],
    )
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_type=sa.LargeBinary)


class ApplicationNote(SQLModel, table=True):
    """A secretariat member's internal note on an application: staff only, never edited."""

    __tablename__ = "application_note"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = _fk("application.id", ondelete="CASCADE")
    author_id: int | None = _fk("staff.id", nullable=True)
    text: str = _text()
    created_at: datetime = _when(default_factory=utcnow)


# --------------------------------------------------------------------------- staff


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=255)
    role: StaffRole = Field(default=StaffRole.secretariat, sa_type=_enum(StaffRole))
    active: bool = True
    language: str = Field(default="en", max_length=5)
    session_version: int = 1  # bumped on password change, disable, sign-out
    link_secret: str = _secret()
    created_at: datetime = _when(default_factory=utcnow)
    last_login_at: datetime | None = _when(default=None)


class RateEvent(SQLModel, table=True):
    """One counted attempt (a login, a mail-sending form) for throttling, across processes."""

    __tablename__ = "rate_event"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, index=True)
    at: datetime = _when(default_factory=utcnow, index=True)


# --------------------------------------------------------------------------- jury


class Juror(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("edition_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = _fk("edition.id")
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str = Field(max_length=254)
    country: str = Field(max_length=2)
    birth_date: date | None = None  # cleared when personal data is erased
    language: str = Field(default="en", max_length=5)
    guardian_name: str = Field(default="", max_length=200)
    guardian_consent_at: datetime | None = _when(default=None)
    # The signed consent form of a minor's guardian, stored like an applicant's file.
    guardian_form: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    guardian_form_name: str = Field(
        default="", max_length=255, sa_column_kwargs={"server_default": ""}
    )
    guardian_form_type: str = Field(
        default="", max_length=50, sa_column_kwargs={"server_default": ""}
    )
    publish_name_consent: bool = False
    active: bool = True  # false once replaced or removed
    replaces_id: int | None = _fk("juror.id", nullable=True)
    link_version: int = 1
    link_secret: str = _secret()
    session_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})  # sign-out
    invited_at: datetime | None = _when(default=None)
    revoked_at: datetime | None = _when(default=None)
    name_confirmed_at: datetime | None = _when(default=None)
    pledge_accepted_at: datetime | None = _when(default=None)
    conflicts_declared_at: datetime | None = _when(default=None)
    last_activity_at: datetime | None = _when(default=None)
    erased_at: datetime | None = _when(default=None)
    created_at: datetime = _when(default_factory=utcnow)


class Conflict(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("juror_id", "application_id"),)

    id: int | None = Field(default=None, primary_key=True)
    juror_id: int = _fk("juror.id", ondelete="CASCADE")
    application_id: int = _fk("application.id", ondelete="CASCADE")
    reason: str = _text()
    declared_by: ActorKind = Field(sa_type=_enum(ActorKind))
    created_at: datetime = _when(default_factory=utcnow)


class Ballot(SQLModel, table=True):
    """One juror's ballot in one round."""

    __table_args__ = (
        sa.UniqueConstraint("juror_id", "round"),
        sa.UniqueConstraint("receipt_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    juror_id: int = _fk("juror.id")
    round: Round = Field(sa_type=_enum(Round))
    status: BallotStatus = Field(default=BallotStatus.draft, sa_type=_enum(BallotStatus))
    submitted_at: datetime | None = _when(default=None)
    receipt_code: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _when(default_factory=utcnow)


class BallotEntry(SQLModel, table=True):
    """A juror's comment or abstention on one application in one ballot."""

    __tablename__ = "ballot_entry"
    __table_args__ = (sa.UniqueConstraint("ballot_id", "application_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = _fk("ballot.id", ondelete="CASCADE")
    application_id: int = _fk("application.id")
    comment: str = _text()
    abstain: bool = False
    abstain_reason: str = _text()
    updated_at: datetime = _when(default_factory=utcnow)


class Score(SQLModel, table=True):
    """One row per (round, juror, application, criterion): a ballot is one (juror, round)."""

    __table_args__ = (
        sa.UniqueConstraint("ballot_id", "application_id", "criterion_id"),
        sa.CheckConstraint("value >= 0 AND value <= 100", name="value_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = _fk("ballot.id", ondelete="CASCADE")
    application_id: int = _fk("application.id")
    criterion_id: int = _fk("criterion.id")
    value: int
    updated_at: datetime = _when(default_factory=utcnow)


# --------------------------------------------------------------------------- results


class Decision(SQLModel, table=True):
    """The secretariat's confirmed outcome for one application at one stage."""

    __table_args__ = (sa.UniqueConstraint("edition_id", "stage", "application_id"),)

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = _fk("edition.id")
    application_id: int = _fk("application.id")
    stage: Round = Field(sa_type=_enum(Round))
    award: Award = Field(sa_type=_enum(Award))
    rank: int | None = None
    proposed: bool = True  # false when the secretariat overrode the tally's proposal
    reason: str = _text()  # required for an override
    decided_by: int | None = _fk("staff.id", nullable=True)
    decided_at: datetime = _when(default_factory=utcnow)


class ArchiveEntry(SQLModel, table=True):
    """A result of an edition from before the platform, entered by hand."""

    __tablename__ = "archive_entry"

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = _fk("edition.id", ondelete="CASCADE")
    award: Award = Field(sa_type=_enum(Award))
    rank: int | None = None
    title: str = Field(max_length=300)
    organisation: str = Field(default="", max_length=300)
    country: str = Field(max_length=2)
    summary: str = _text()


class ResultsNote(SQLModel, table=True):
    """A correction to published results: added, never edited."""

    __tablename__ = "results_note"

    id: int | None = Field(default=None, primary_key=True)
    edition_id: int = _fk("edition.id")
    text: str = _text()
    created_by: int | None = _fk("staff.id", nullable=True)
    created_at: datetime = _when(default_factory=utcnow)


# --------------------------------------------------------------------------- audit, outbox


class _AuditActorKind(sa.types.TypeDecorator[ActorKind | str]):
    """An audit entry's actor kind, stored as before (VARCHAR(20)). A value this version does
    not know (written by a newer one, or by hand) reads back as the plain string, so the log
    still shows every entry; ``prize audit verify`` is what names such an entry."""

    impl = sa.String(20)
    cache_ok = True

    def process_bind_param(self, value: ActorKind | str | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> ActorKind | str | None:
        if value is None:
            return None
        try:
            return ActorKind(value)
        except ValueError:
            return value


class AuditEvent(SQLModel, table=True):
    """Append-only; each row holds the hash of the one before. People appear by id only."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(default_factory=utcnow, index=True)
    actor_kind: ActorKind = Field(sa_type=_AuditActorKind())
    actor_id: int | None = None
    edition_id: int | None = Field(default=None, index=True)
    kind: str = Field(max_length=60, index=True)
    subject_kind: str = Field(default="", max_length=30)
    subject_id: int | None = None
    reason: str = _text()
    data: dict[str, Any] = _json(dict)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """One row, locked by every append so that the chain never forks."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)


class Confirmation(SQLModel, table=True):
    """A consequential action the secretariat confirmed, by its page's one-time token: a second
    click or a retry of the same page finds it here and does nothing more."""

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(max_length=64, unique=True)
    action: str = Field(max_length=200)  # the page's path
    staff_id: int | None = None
    done_at: datetime = _when(default_factory=utcnow)


class RefusedPost(SQLModel, table=True):
    """A refused form post, kept for the page the browser is sent back to (Post/Redirect/Get):
    what was typed (never a password nor a CSRF token) and why it was refused, for an hour.

    ``key`` is random and travels in the address the browser is sent to; ``owner`` is a hash of
    who posted it (the application, juror or staff session, and the browser), so that nobody
    else reads it with the address (``prize.views.refused``)."""

    __tablename__ = "refused_post"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    owner: str = Field(max_length=64, index=True)
    form: str = Field(max_length=200)
    content: str = _text()  # JSON: values typed, messages (in the reader's words), the rest
    created_at: datetime = _when(default_factory=utcnow)
    expires_at: datetime = _when(index=True)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _when(default_factory=utcnow)
    kind: str = Field(max_length=40, index=True)
    edition_id: int | None = Field(default=None, index=True)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str = _text()
    language: str = Field(default="en", max_length=5)
    message_id: str = Field(max_length=200, unique=True)
    status: OutboxStatus = Field(
        default=OutboxStatus.queued, sa_type=_enum(OutboxStatus), index=True
    )
    attempts: int = 0
    next_attempt_at: datetime = _when(default_factory=utcnow)
    claimed_at: datetime | None = _when(default=None)
    last_error: str = _text()
    sent_at: datetime | None = _when(default=None)


# Ids are never reused: a link, a session or the audit log may name one, and a reused id would
# point at a stranger's row. SQLite reuses the largest rowid after that row is deleted unless the
# table says AUTOINCREMENT; PostgreSQL's sequences never go back.
for _table in SQLModel.metadata.tables.values():
    _table.dialect_kwargs["sqlite_autoincrement"] = True
