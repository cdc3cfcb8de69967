"""The publication record: the figures published, written into the audit chain once and for good.

On entering ``published`` (``transitions.move``), ``record_publication`` writes each round's
digest, the final-round scores and the counted receipts (hashed) as one audit event; the public
pages (``published``) and the receipt check read them from there, so that published results never
change, whatever happens to the stored ballots afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from prize import tally as pure
from prize.domain.results import tally_input
from prize.domain.shared import audit
from prize.models import AuditEvent, Edition, Round

PUBLISHED_KIND = "results.published"


def _hash_receipt(code: str) -> str:
    """What the published record keeps of a receipt code: the hash of its canonical form."""
    return hashlib.sha256(pure.receipt_key(code).encode()).hexdigest()


def record_publication(
    *, session: Session, edition: Edition, actor: audit.Actor, now: datetime
) -> AuditEvent:
    """Write the published figures into the audit chain: each round's digest, the final-round
    scores, the counted receipts (hashed) and how many jurors were normalised in each round. The
    public pages read them from there."""
    record: dict[str, Any] = {"digests": {}, "scores": {}, "receipts": {}, "jurors": {}}
    for round_ in Round:
        result = tally_input.tally_of(session=session, edition=edition, round_=round_)
        record["digests"][round_.value] = result.digest
        record["jurors"][round_.value] = juror_counts(result)
        record["receipts"][round_.value] = sorted(_hash_receipt(r) for r in result.receipts)
        if round_ is Round.final:
            record["scores"] = {
                str(e.application): e.score for e in result.ranking if e.score is not None
            }
    return audit.record(
        session=session,
        actor=actor,
        kind=PUBLISHED_KIND,
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        data=record,
    )


def juror_counts(result: pure.TallyResult) -> dict[str, int]:
    """How many jurors' ballots a round counted, and how each was treated: normalised, or left
    as given for too few scores or for all scores equal (the method statement says so)."""
    notes = [j.note for j in result.jurors if j.submitted]
    return {
        "counted": len(notes),
        "normalised": notes.count("normalised"),
        "too_few": notes.count("too_few"),
        "no_variance": notes.count("no_variance"),
    }


def _publication_event(session: Session, edition: Edition) -> AuditEvent | None:
    return session.exec(
        select(AuditEvent)
        .where(AuditEvent.edition_id == edition.id, AuditEvent.kind == PUBLISHED_KIND)
        .order_by(col(AuditEvent.id).desc())
    ).first()


def publication_record(*, session: Session, edition: Edition) -> dict[str, Any] | None:
    """The figures written when the edition was published (None if it never was, by us)."""
    event = _publication_event(session, edition)
    return dict(event.data) if event is not None else None


def publication_head(*, session: Session, edition: Edition) -> audit.Head | None:
    """The audit chain's head at publication: the entry holding the published figures (None if
    never published by us). Kept outside Prize, it proves later, with ``prize audit verify
    --head``, that nothing up to the publication was dropped or changed."""
    event = _publication_event(session, edition)
    if event is None or event.id is None:
        return None
    return audit.Head(event.id, event.hash)


def receipt_rounds(*, session: Session, edition: Edition, code: str) -> list[Round]:
    """The rounds in which a ballot with this receipt code was counted (published figures)."""
    record = publication_record(session=session, edition=edition)
    wanted = _hash_receipt(code)
    found = []
    for round_ in Round:
        if record is not None:
            hashes = record.get("receipts", {}).get(round_.value, [])
        else:
            hashes = [
                _hash_receipt(r)
                for r in tally_input.tally_of(
                    session=session, edition=edition, round_=round_
                ).receipts
            ]
        if pure.receipt_key(code) and any(hmac.compare_digest(wanted, h) for h in hashes):
            found.append(round_)
    return found
