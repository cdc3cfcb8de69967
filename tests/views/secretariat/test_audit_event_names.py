"""The audit log names each kind of entry in the reader's language, beside its own name; every
kind the code writes has a name in both catalogues."""

from __future__ import annotations

import re
from pathlib import Path

import prize
from prize.domain.shared import audit, labels
from prize.i18n import translations

DOMAIN = Path(prize.__file__).parent / "domain"


def test_every_kind_the_code_writes_has_a_name_in_both_languages():
    written = set()
    for path in DOMAIN.rglob("*.py"):
        written |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    written -= {"prize.invalid", "erased.invalid"}  # e-mail domains, not kinds
    assert sorted(written - set(labels.EVENTS)) == []
    french = translations("fr")
    untranslated = [en for en in labels.EVENTS.values() if french.gettext(en) == en]
    assert untranslated == []


def test_the_audit_page_names_the_kind_in_french(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        audit.record(session=session, actor=audit.SYSTEM, kind="edition.created", now=clock())
        audit.record(session=session, actor=audit.SYSTEM, kind="old.kind", now=clock())
    staff_client.cookies.set("lang", "fr")
    page = staff_client.get("/secretariat/audit").text
    assert "édition créée" in page
    assert '<option value="edition.created">édition créée</option>' in page
    assert "old.kind" in page  # a kind without a name shows its own
