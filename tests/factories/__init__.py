"""Test data: editions in any state, applications with submitted content and stored attachments,
jurors, winners and e-mails in the outbox: one module per context (editions, applicants, jury,
results, shared), re-exported here so that ``from tests import factories`` keeps working.

Made through the models (no domain function, no audit event, no e-mail), so that any
test can arrange the state it needs without walking the whole applicant journey. Every function
takes the caller's ``session`` (use it inside ``with db.write() as session:``) and keyword-only
arguments with sensible defaults; what it returns is flushed, so ids are set.

    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        app = factories.application(session=session, edition=edition, title="Street theatre")
"""

# The models the single module imported, reachable as before (``factories.Edition``).
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    Award,
    ContentKind,
    Criterion,
    Decision,
    Edition,
    EditionState,
    Juror,
    OutboxMessage,
    OutboxStatus,
    Round,
)
from tests.factories.applicants import (
    GOALS,
    PARTICIPATION,
    PDF,
    SUMMARY,
    application,
    attachment,
    content,
    drafts,
)
from tests.factories.editions import DEADLINE, OPENS, edition
from tests.factories.jury import juror_row as juror
from tests.factories.results import winner
from tests.factories.shared import outbox_message

__all__ = [
    "DEADLINE",
    "GOALS",
    "OPENS",
    "PARTICIPATION",
    "PDF",
    "SUMMARY",
    "Application",
    "ApplicationContent",
    "ApplicationStatus",
    "Attachment",
    "Award",
    "ContentKind",
    "Criterion",
    "Decision",
    "Edition",
    "EditionState",
    "Juror",
    "OutboxMessage",
    "OutboxStatus",
    "Round",
    "application",
    "attachment",
    "content",
    "drafts",
    "edition",
    "juror",
    "outbox_message",
    "winner",
]
