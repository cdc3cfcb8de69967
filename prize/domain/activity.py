"""The audit log read as sentences: "Anna Officer marked EDPP-2027-0004 ineligible."

The log holds people by id only (erasure leaves the chain valid); their names are looked up when
the sentences are made, so a renamed staff member appears under their current name. Each kind of
event has its sentence (a ``Message``, translated where it is read); a kind, a state or a rule
this version does not know falls back to a generic sentence, never to an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from prize.domain.editions.editions import all_editions
from prize.domain.screening.screening import REASONS
from prize.domain.shared import labels
from prize.formats import When
from prize.i18n import N_, Message, Plural
from prize.models import (
    ActorKind,
    Application,
    AuditEvent,
    Ballot,
    EditionState,
    Juror,
    Staff,
    StaffRole,
)


@dataclass
class Names:
    """Current names, by id, of the people and things a page of events refers to."""

    staff: dict[int, str] = field(default_factory=dict)
    jurors: dict[int, str] = field(default_factory=dict)
    applications: dict[int, str] = field(default_factory=dict)
    ballots: dict[int, int] = field(default_factory=dict)  # ballot id -> juror id
    years: dict[int, int] = field(default_factory=dict)  # edition id -> year


@dataclass(frozen=True)
class Line:
    """One event as a person reads it, with the raw event kept for whoever asks."""

    event: AuditEvent
    sentence: Message


def _ids(events: Iterable[AuditEvent], subject: str, actor: str = "") -> set[int]:
    found = set()
    for e in events:
        if e.subject_kind == subject and isinstance(e.subject_id, int):
            found.add(e.subject_id)
        if actor and e.actor_kind == actor and isinstance(e.actor_id, int):
            found.add(e.actor_id)
        value = e.data.get(subject) if isinstance(e.data, dict) else None
        if isinstance(value, int):
            found.add(value)
    return found


def names_for(*, session: Session, events: list[AuditEvent]) -> Names:
    """Look up, now, the names the events refer to by id."""
    names = Names(years={e.id: e.year for e in all_editions(session=session) if e.id})
    ballot_ids = _ids(events, "ballot")
    if ballot_ids:
        for ballot_id, juror_id in session.exec(
            select(Ballot.id, Ballot.juror_id).where(col(Ballot.id).in_(ballot_ids))
        ):
            if ballot_id is not None:
                names.ballots[ballot_id] = juror_id
    staff_ids = _ids(events, "staff", "staff")
    if staff_ids:
        for person in session.exec(select(Staff).where(col(Staff.id).in_(staff_ids))):
            if person.id is not None:
                names.staff[person.id] = person.name.strip() or person.email
    juror_ids = _ids(events, "juror", "juror") | set(names.ballots.values())
    if juror_ids:
        for juror in session.exec(select(Juror).where(col(Juror.id).in_(juror_ids))):
            full = f"{juror.first_name} {juror.last_name}".strip()
            if juror.id is not None and full and juror.erased_at is None:
                names.jurors[juror.id] = full
    app_ids = _ids(events, "application", "applicant")
    if app_ids:
        for app_id, reference in session.exec(
            select(Application.id, Application.reference).where(col(Application.id).in_(app_ids))
        ):
            if app_id is not None and reference:
                names.applications[app_id] = reference
    return names


def lines(*, session: Session, events: list[AuditEvent]) -> list[Line]:
    """The events as sentences, names looked up now."""
    names = names_for(session=session, events=events)
    return [Line(event=e, sentence=sentence(e, names)) for e in events]


# -- the words -------------------------------------------------------------------------------

_ROUNDS = {"shortlist": N_("first round"), "final": N_("final round")}
_STATUS = {
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "eligible": N_("eligible"),
    "ineligible": N_("ineligible"),
    "returned": N_("returned for information"),
    "withdrawn": N_("withdrawn"),
}


def _staff(names: Names, ident: Any) -> str | Message:
    if isinstance(ident, int) and ident in names.staff:
        return names.staff[ident]
    return Message("staff member #%(id)s", {"id": ident})


def _juror(names: Names, ident: Any) -> str | Message:
    if isinstance(ident, int) and ident in names.jurors:
        return names.jurors[ident]
    return Message("juror #%(id)s", {"id": ident})


def _application(names: Names, ident: Any) -> str | Message:
    if isinstance(ident, int) and ident in names.applications:
        return names.applications[ident]
    return Message("application #%(id)s", {"id": ident})


def actor(event: AuditEvent, names: Names) -> str | Message:
    """Who did it, by their current name."""
    kind = str(event.actor_kind)
    if kind == ActorKind.staff:
        return _staff(names, event.actor_id)
    if kind == ActorKind.juror:
        return _juror(names, event.actor_id)
    if kind == ActorKind.applicant:
        return Message("The applicant of %(ref)s", {"ref": _application(names, event.actor_id)})
    if kind == ActorKind.system:
        return Message("Prize")
    return Message("Someone (%(kind)s)", {"kind": kind})


def _state(value: Any) -> Message | str:
    try:
        return labels.state(EditionState(value))
    except (ValueError, KeyError):
        return str(value)


def _moved(event: AuditEvent, params: dict[str, Any]) -> Message:
    """A move; closing the call before its deadline says so, with the deadline it had."""
    data = event.data
    deadline = data.get("deadline")
    if isinstance(deadline, dict) and isinstance(deadline.get("from"), str):
        try:
            was = datetime.fromisoformat(deadline["from"])
        except ValueError:
            pass
        else:
            return Message(
                "%(who)s closed the call %(year)s early, before its deadline of %(deadline)s.",
                params | {"deadline": When(was, "deadline")},
            )
    return Message(
        "%(who)s moved the edition %(year)s from %(from)s to %(to)s.",
        params | {"from": _state(data.get("from")), "to": _state(data.get("to"))},
    )


def _count(value: Any) -> int:
    if not isinstance(value, list):
        raise TypeError("a count of ids expected")
    return len(value)


def _word(table: dict[str, str], value: Any) -> Message | str:
    return Message(table[value]) if value in table else str(value)


def _subject(event: AuditEvent, names: Names) -> str | Message:
    kind, ident = event.subject_kind, event.subject_id
    if kind == "application":
        return _application(names, ident)
    if kind == "juror":
        return _juror(names, ident)
    if kind == "staff":
        return _staff(names, ident)
    if kind == "ballot" and isinstance(ident, int) and ident in names.ballots:
        return _juror(names, names.ballots[ident])
    return f"{kind} #{ident}" if kind else ""


def _screened(event: AuditEvent, p: dict[str, Any]) -> Message:
    to = event.data.get("to")
    if to == "eligible":
        return Message("%(who)s marked %(what)s eligible.", p)
    if to == "returned":
        return Message("%(who)s returned %(what)s to the applicant for information.", p)
    if to == "ineligible":
        rule = event.data.get("rule")
        if rule in REASONS:
            return Message(
                "%(who)s marked %(what)s ineligible. %(rule)s", p | {"rule": Message(REASONS[rule])}
            )
        return Message("%(who)s marked %(what)s ineligible.", p)
    return Message("%(who)s set %(what)s to %(status)s.", p | {"status": _word(_STATUS, to)})


def _role(value: Any) -> Message | str:
    try:
        return labels.role(StaffRole(value))
    except (ValueError, KeyError):
        return str(value)


# A kind's sentence from the parameters every sentence has (who, what, year) and the event.
_Maker = Callable[[AuditEvent, dict[str, Any]], Message]


def _simple(msgid: str) -> _Maker:
    return lambda event, p: Message(msgid, p)


def _criterion(msgid: str) -> _Maker:
    return lambda event, p: Message(msgid, p | {"name": str(event.data.get("name_en", ""))})


def _round(msgid: str) -> _Maker:
    return lambda event, p: Message(msgid, p | {"round": _word(_ROUNDS, event.data.get("round"))})


SENTENCES: dict[str, _Maker] = {
    "edition.created": _simple(N_("%(who)s created the edition %(year)s.")),
    "edition.copied": lambda e, p: Message(
        N_("%(who)s created the edition %(to)s from the edition %(from)s."),
        p | {"from": str(e.data.get("from", "")), "to": str(e.data.get("to", ""))},
    ),
    "edition.deleted": lambda e, p: Message(
        N_("%(who)s deleted the edition “%(title)s” with all its data."),
        p | {"title": str(e.data.get("title", ""))},
    ),
    "edition.updated": _simple(N_("%(who)s changed the settings of the edition %(year)s.")),
    "edition.moved": _moved,
    "criterion.added": _criterion(N_("%(who)s added the criterion “%(name)s” to %(year)s.")),
    "criterion.updated": _criterion(N_("%(who)s changed the criterion “%(name)s” of %(year)s.")),
    "criterion.removed": _criterion(N_("%(who)s removed the criterion “%(name)s” from %(year)s.")),
    "criterion.moved": _criterion(N_("%(who)s moved the criterion “%(name)s” of %(year)s.")),
    "application.started": _simple(N_("%(who)s started the application %(what)s.")),
    "application.submitted": _simple(N_("%(who)s submitted %(what)s.")),
    "application.resubmitted": _simple(N_("%(who)s submitted a revision of %(what)s.")),
    "application.withdrawn": _simple(N_("%(who)s withdrew %(what)s.")),
    "application.link_revoked": _simple(N_("%(who)s revoked the links of %(what)s.")),
    "application.deleted": _simple(N_("%(who)s deleted the draft %(what)s.")),
    "application.note_added": _simple(N_("%(who)s added an internal note to %(what)s.")),
    "application.late_accepted": _simple(N_("%(who)s accepted %(what)s after the deadline.")),
    "application.translated": _simple(N_("%(who)s saved the English translation of %(what)s.")),
    "application.screened": _screened,
    "staff.created": _simple(N_("%(who)s added the staff account of %(what)s.")),
    "staff.invited": _simple(N_("%(who)s invited %(what)s to the back office.")),
    "staff.invitation_resent": _simple(N_("%(who)s sent the invitation to %(what)s again.")),
    "staff.invitation_accepted": _simple(N_("%(who)s accepted the invitation.")),
    "staff.password_changed": _simple(N_("%(who)s changed the password of %(what)s.")),
    "staff.password_reset": _simple(N_("%(who)s set a new password from a reset link.")),
    "staff.disabled": _simple(N_("%(who)s disabled the account of %(what)s.")),
    "staff.enabled": _simple(N_("%(who)s enabled the account of %(what)s again.")),
    "staff.role_changed": lambda e, p: Message(
        "%(who)s gave %(what)s the role %(role)s.", p | {"role": _role(e.data.get("to"))}
    ),
    "staff.sessions_ended": _simple(N_("Every session of %(what)s was ended.")),
    "staff.signed_out": _simple(N_("%(who)s signed out.")),
    "juror.added": _simple(N_("%(who)s added %(what)s to the jury of %(year)s.")),
    "juror.imported": lambda e, p: Plural(
        "%(who)s imported %(num)s juror into the jury of %(year)s.",
        "%(who)s imported %(num)s jurors into the jury of %(year)s.",
        _count(e.data.get("jurors")),
        **p,
    ),
    "juror.invited": _simple(N_("%(who)s sent %(what)s their ballot link.")),
    "juror.link_resent": _simple(N_("%(who)s sent %(what)s their ballot link again.")),
    "juror.link_reissued": _simple(N_("%(who)s gave %(what)s a new ballot link.")),
    "juror.link_revoked": _simple(N_("%(who)s revoked the ballot link of %(what)s.")),
    "juror.replaced": _simple(N_("%(who)s replaced %(what)s on the jury.")),
    "juror.signed_out": _simple(N_("%(who)s signed out of the ballot.")),
    "juror.name_corrected": _simple(N_("%(who)s corrected their first name.")),
    "juror.pledge_accepted": _simple(N_("%(who)s accepted the confidentiality pledge.")),
    "juror.conflicts_declared": _simple(N_("%(who)s declared their conflicts of interest.")),
    "juror.guardian_form_added": _simple(
        N_("%(who)s added the guardian’s signed form for %(what)s.")
    ),
    "juror.consent_recorded": _simple(N_("%(who)s recorded the guardian’s consent for %(what)s.")),
    "conflict.recorded": _simple(N_("%(who)s recorded a conflict of interest of %(what)s.")),
    "jury.reminded": lambda e, p: Plural(
        "%(who)s reminded %(num)s juror of the %(round)s.",
        "%(who)s reminded %(num)s jurors of the %(round)s.",
        _count(e.data.get("jurors")),
        **(p | {"round": _word(_ROUNDS, e.data.get("round"))}),
    ),
    "ballot.submitted": _round(N_("%(who)s submitted their ballot of the %(round)s.")),
    "ballot.reopened": _round(N_("%(who)s reopened the ballot of %(what)s in the %(round)s.")),
    "screening.results_sent": lambda e, p: Plural(
        "%(who)s sent the screening results of %(year)s: %(num)s applicant told.",
        "%(who)s sent the screening results of %(year)s: %(num)s applicants told.",
        len(e.data.get("applications") or []),
        **p,
    ),
    "shortlist.announced": _simple(
        N_("Each eligible applicant of %(year)s was told whether their project is shortlisted.")
    ),
    "group_message.sent": lambda e, p: Plural(
        "%(who)s wrote to a group of %(year)s: %(num)s person.",
        "%(who)s wrote to a group of %(year)s: %(num)s people.",
        _count(e.data.get("count")),
        **p,
    ),
    "shortlist.confirmed": _simple(N_("%(who)s confirmed the shortlist of %(year)s.")),
    "final.confirmed": _simple(N_("%(who)s confirmed the winners of %(year)s.")),
    "results.published": _simple(N_("%(who)s published the results of %(year)s.")),
    "results.note_added": _simple(N_("%(who)s added a note to the results of %(year)s.")),
    "archive.entry_added": _simple(N_("%(who)s added an entry to the archive of %(year)s.")),
    "archive.entry_removed": _simple(N_("%(who)s removed an entry from the archive of %(year)s.")),
    "personal_data.exported": _simple(N_("%(who)s exported the personal data held about someone.")),
    "personal_data.erased": _simple(N_("%(who)s erased the personal data of %(what)s.")),
    "retention.draft_deleted": _simple(N_("%(who)s deleted the unsubmitted draft %(what)s.")),
    "retention.applied": _simple(N_("%(who)s applied the retention rule.")),
}


def sentence(event: AuditEvent, names: Names) -> Message:
    """The event in a sentence; a generic one for a kind (or a value in it) not known here."""
    params: dict[str, Any] = {
        "who": actor(event, names),
        "what": _subject(event, names),
        "year": names.years.get(event.edition_id or 0, ""),
    }
    if event.kind == "ballot.reopened":
        params["what"] = _juror(names, event.data.get("juror"))
    if event.kind == "conflict.recorded":
        params["what"] = Message(
            "%(juror)s with %(ref)s",
            {"juror": params["what"], "ref": _application(names, event.data.get("application"))},
        )
    maker = SENTENCES.get(event.kind)
    if maker is not None and isinstance(event.data, dict):
        try:
            return maker(event, params)
        except (KeyError, ValueError, TypeError, AttributeError):
            pass
    if params["what"]:
        return Message("%(who)s: %(kind)s (%(what)s).", params | {"kind": event.kind})
    return Message("%(who)s: %(kind)s.", params | {"kind": event.kind})
