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


def state(value: EditionState) -> Message:
    return Message(_STATES[value])


def role(value: StaffRole) -> Message:
    return Message(_ROLES[value])
