"""Helpers of the fault tests (and the fuzz tests' checks): a real server process that can be
killed, a storage folder that refuses new files, and the invariants no crash, retry or odd input
may break."""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from prize.db import Database

# --------------------------------------------------------------------------- a real server


class ServerProcess:
    """``uvicorn --factory prize.app:asgi`` in a subprocess (settings from ``env``), its output
    in ``log``; started, killed with SIGKILL, and started again by the fault tests."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        *,
        log_level: str = "info",
        prize_serve: bool = False,
        workers: int = 1,
    ) -> None:
        import os
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.env = {"PRIZE_CONTACT_EMAIL": "secretariat@example.org", **os.environ, **env}
        self.log = log
        self.log_level = log_level
        self.prize_serve = prize_serve  # `prize serve` (the README's way) instead of uvicorn's CLI
        self.workers = workers  # with `prize_serve`: more than one process on the same port
        self.process: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30, *, failing: bool = False) -> None:
        """Start and wait for ``/health`` to answer 200 (or, ``failing``, to answer at all: a
        machine whose health check fails on purpose, its clock off, say)."""
        import subprocess
        import sys
        import time
        import urllib.error
        import urllib.request

        command = [sys.executable, "-m", "uvicorn", "--factory", "prize.app:asgi",
                   "--host", "127.0.0.1", "--port", str(self.port), "--log-level", self.log_level]  # fmt: skip
        if self.prize_serve:
            command = [sys.executable, "-m", "prize.cli", "serve",
                       "--host", "127.0.0.1", "--port", str(self.port),
                       "--workers", str(self.workers)]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except urllib.error.HTTPError as error:
                if failing and error.code == 503:
                    return
                time.sleep(0.05)
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no cleanup (a crash, or the power going)."""
        import signal

        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.kill()


# --------------------------------------------------------------------------- a folder that refuses


def writable(folder: Path) -> bool:
    probe = folder / f".probe-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"x")
    except OSError:
        return False
    probe.unlink()
    return True


def run(*command: str) -> bool:
    try:
        return subprocess.run(command, capture_output=True, check=False).returncode == 0
    except OSError:
        return False


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[str]:
    """The folder refuses new files for the duration; yields how that was done."""
    folder.chmod(0o500)
    if not writable(folder):
        try:
            yield "chmod"
        finally:
            folder.chmod(0o700)
        return
    folder.chmod(0o700)
    if run("chattr", "+i", str(folder)) and not writable(folder):
        try:
            yield "chattr +i"
        finally:
            run("chattr", "-i", str(folder))
        return
    kept = folder.with_name(folder.name + ".kept")
    folder.rename(kept)
    folder.write_text("not a folder")
    try:
        yield "a file in its place"
    finally:
        folder.unlink()
        kept.rename(folder)


# --------------------------------------------------------------------------- what must always hold


def invariants(database: Database, storage_dir: Path | None = None) -> list[str]:
    """What no crash, retry or odd input may break; each problem found, in words.

    A numbered application has its reference, its submission time and exactly one submitted
    version; an edition's numbers run from 1 without gaps and match its counter; every score
    belongs to a ballot of the same edition's juror and criterion; a ballot is submitted exactly
    when it has a receipt; the audit chain verifies; every attached file is on disk, and no
    half-written upload is left behind."""
    from sqlmodel import col

    from prize.domain.shared import audit
    from prize.models import (
        Application,
        ApplicationContent,
        ApplicationStatus,
        Attachment,
        Ballot,
        BallotStatus,
        ContentKind,
        Criterion,
        Edition,
        Juror,
        Score,
    )

    problems: list[str] = []
    with database.read() as session:
        editions = {e.id: e for e in session.exec(select(Edition)).scalars()}
        apps = list(session.exec(select(Application)).scalars())
        contents: dict[int, list[ContentKind]] = {}
        for c in session.exec(select(ApplicationContent)).scalars():
            contents.setdefault(c.application_id, []).append(c.kind)
        numbers: dict[int, list[int]] = {}
        for a in apps:
            year = editions[a.edition_id].year
            kinds = contents.get(a.id or 0, [])
            if a.number is None:
                if a.status is not ApplicationStatus.draft or a.reference is not None:
                    problems.append(f"application {a.id}: {a.status.value} without a number")
                continue
            numbers.setdefault(a.edition_id, []).append(a.number)
            if a.reference != f"EDPP-{year}-{a.number:04d}" or a.submitted_at is None:
                problems.append(f"application {a.id}: reference {a.reference!r} half-written")
            if a.status is ApplicationStatus.draft or kinds.count(ContentKind.submitted) != 1:
                problems.append(f"application {a.id}: {a.status.value} with versions {kinds}")
            if kinds.count(ContentKind.draft) > 1:
                problems.append(f"application {a.id}: two drafts")
        for edition_id, taken in numbers.items():
            edition = editions[edition_id]
            if sorted(taken) != list(range(1, len(taken) + 1)):
                problems.append(f"edition {edition.year}: numbers {sorted(taken)} have gaps")
            if edition.last_number != len(taken):
                problems.append(f"edition {edition.year}: counter {edition.last_number}")
        ballots = {b.id: b for b in session.exec(select(Ballot)).scalars()}
        jurors = {j.id: j for j in session.exec(select(Juror)).scalars()}
        criteria = {c.id: c for c in session.exec(select(Criterion)).scalars()}
        app_edition = {a.id: a.edition_id for a in apps}
        for b in ballots.values():
            if (b.status is BallotStatus.submitted) != (b.receipt_code is not None):
                problems.append(f"ballot {b.id}: {b.status.value} with receipt {b.receipt_code}")
        for s in session.exec(select(Score)).scalars():
            ballot = ballots.get(s.ballot_id)
            if ballot is None:
                problems.append(f"score {s.id} without its ballot")
                continue
            edition_id = jurors[ballot.juror_id].edition_id
            if criteria[s.criterion_id].edition_id != edition_id or (
                app_edition.get(s.application_id) != edition_id
            ):
                problems.append(f"score {s.id} across editions")
        verified = audit.verify(session=session)
        if not verified.ok:
            problems.append(f"audit chain: {verified.problem} (#{verified.first_bad_id})")
        if storage_dir is not None:
            names = session.exec(select(Attachment.stored_name).order_by(col(Attachment.id)))
            for name in names.scalars():
                if not (storage_dir / name).is_file():
                    problems.append(f"attachment {name} is not on disk")
            leftovers = [p.name for p in storage_dir.glob(".upload-*")]
            if leftovers:
                problems.append(f"half-written uploads left: {leftovers}")
    return problems
