"""Names of states and roles for messages, in the words the pages use (translated where read)."""

from __future__ import annotations

from prize.i18n import N_, Message
from prize.models import EditionState, StaffRole

_STATES = {
    EditionState.draft: N_("draft"),
    EditionState.open: N_("open for applications"),
    EditionState.screening: N_("screening"),
    EditionState.shortlisting: N_("first jury round (shortlist)"),
    EditionState.final: N_("final jury round"),
    EditionState.decided: N_("decided, under embargo"),
    EditionState.published: N_("published"),
}
_ROLES = {StaffRole.secretariat: N_("secretariat"), StaffRole.adviser: N_("adviser")}
# What each kind of audit entry means, for the audit log's readers (the kind itself stays in the
# entry, and beside its name on the page).
EVENTS = {
    "screening.results_sent": N_("screening results sent"),
    "group_message.sent": N_("message written to a group"),
    "shortlist.announced": N_("applicants told whether they are shortlisted"),
    "application.note_added": N_("internal note added"),
    "edition.copied": N_("edition copied from an earlier one"),
    "edition.deleted": N_("edition deleted"),
    "juror.guardian_form_added": N_("guardian's signed form added"),
    "application.deleted": N_("application deleted"),
    "application.late_accepted": N_("late application accepted"),
    "application.link_revoked": N_("application's links revoked"),
    "application.resubmitted": N_("application resubmitted"),
    "application.screened": N_("eligibility decided"),
    "application.started": N_("application started"),
    "application.submitted": N_("application submitted"),
    "application.translated": N_("application translated for the jury"),
    "application.withdrawn": N_("application withdrawn"),
    "archive.entry_added": N_("archived result added"),
    "archive.entry_removed": N_("archived result removed"),
    "ballot.reopened": N_("ballot reopened"),
    "ballot.submitted": N_("ballot submitted"),
    "conflict.recorded": N_("conflict of interest recorded"),
    "criterion.added": N_("criterion added"),
    "criterion.moved": N_("criterion moved"),
    "criterion.removed": N_("criterion removed"),
    "criterion.updated": N_("criterion changed"),
    "edition.created": N_("edition created"),
    "edition.moved": N_("edition moved to another stage"),
    "edition.updated": N_("edition changed"),
    "final.confirmed": N_("final results confirmed"),
    "juror.added": N_("juror added"),
    "juror.conflicts_declared": N_("juror's conflicts of interest declared"),
    "juror.consent_recorded": N_("juror's consent recorded"),
    "juror.imported": N_("jurors imported"),
    "juror.invited": N_("juror invited"),
    "juror.link_reissued": N_("juror's link reissued"),
    "juror.link_resent": N_("juror's link sent again"),
    "juror.link_revoked": N_("juror's link revoked"),
    "juror.name_corrected": N_("juror's name corrected"),
    "juror.pledge_accepted": N_("confidentiality pledge accepted"),
    "juror.replaced": N_("juror replaced"),
    "juror.signed_out": N_("juror signed out"),
    "jury.reminded": N_("jury reminded"),
    "personal_data.erased": N_("personal data erased"),
    "personal_data.exported": N_("personal data exported"),
    "results.note_added": N_("note added to the results"),
    "results.published": N_("results published"),
    "retention.applied": N_("retention rule applied"),
    "retention.draft_deleted": N_("draft deleted by the retention rule"),
    "shortlist.confirmed": N_("shortlist confirmed"),
    "staff.created": N_("staff account created"),
    "staff.disabled": N_("staff account disabled"),
    "staff.enabled": N_("staff account enabled again"),
    "staff.invitation_accepted": N_("staff invitation accepted"),
    "staff.invitation_resent": N_("staff invitation sent again"),
    "staff.invited": N_("staff member invited"),
    "staff.password_changed": N_("password changed"),
    "staff.password_reset": N_("password reset"),
    "staff.role_changed": N_("role changed"),
    "staff.sessions_ended": N_("sessions ended"),
    "staff.signed_out": N_("signed out"),
}


def state(value: EditionState) -> Message:
    return Message(_STATES[value])


def role(value: StaffRole) -> Message:
    return Message(_ROLES[value])


def event(kind: str) -> Message | str:
    """An audit entry's kind in words (its own name when it has none: an entry of a kind this
    version no longer writes)."""
    label = EVENTS.get(kind)
    return Message(label) if label is not None else kind
