"""The ``prize`` command."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from prize import formats, schema
from prize.db import Database, open_database
from prize.models import utcnow
from prize.settings import Settings, SettingsError, load, load_storage_url
from prize.storage import MoveFailed, move_files, open_store, store_at

# Each command imports inside its function what only it uses: a command that does not serve
# loads neither the web app nor uvicorn, and starts in about two thirds of the time.


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    """The installation's database, its connections closed when the command is done."""
    database = open_database(settings)
    try:
        yield database
    finally:
        database.dispose()


WORKER_HEALTHCHECK_SECONDS = 30


def _serve_app(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from prize.security import log_config

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": settings.access_log,
        # The logging set-up goes to uvicorn, which applies it here and in every worker.
        "log_config": log_config(),
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
    }
    if workers > 1:
        # Each worker is a fresh process: it reads its settings from the environment, as the
        # first did, and builds the app with ``prize.app:asgi``.
        # uvicorn kills a worker that has not answered its health check within the timeout
        # (5 s by default) and starts another: on a busy machine a worker still importing the
        # app never gets to serve. Give a starting worker as long as the start-up check waits.
        uvicorn.run(
            "prize.app:asgi",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            **options,
        )
        return
    from prize.app import create_app

    uvicorn.run(create_app(settings, run_sender=True), **options)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    _serve_app(settings, args.host, args.port, args.workers)
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    schema.upgrade(settings.database_url, args.revision)
    print(f"Database at revision {args.revision}.")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from prize import demo

    path = Path(args.database)
    for suffix in ("", "-wal", "-shm"):  # the demo always starts afresh
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path.resolve()}"
    settings = settings.with_(
        database_url=url,
        base_url=f"http://{args.host}:{args.port}",
        storage_dir=Path(args.storage).resolve(),
        storage_url="",  # the demo's folder, whatever PRIZE_STORAGE_URL says
        smtp_url="",
    )
    print("Preparing the demo database…", flush=True)
    schema.upgrade(url)
    database = Database(url, audit_keys=settings.audit_chain_keys)
    report = demo.build(database=database, settings=settings, now=args.clock())
    database.dispose()
    base = settings.base_url
    print()
    print(f"Prize demo: {base}/")
    print(f"Secretariat: {base}/secretariat/login")
    print(f"  e-mail:   {report.login_email}")
    print(f"  password: {report.login_password}")
    for label, link in report.links:
        print(f"{label}: {base}{link}")
    print("E-mails are not sent in the demo: read them in the secretariat's outbox.")
    print("Press Ctrl+C to stop.", flush=True)
    if args.no_serve:
        return 0
    _serve_app(settings, args.host, args.port, 1)
    return 0


def cmd_create_admin(args: argparse.Namespace, settings: Settings) -> int:
    from prize.domain.errors import DomainError
    from prize.domain.shared import audit
    from prize.domain.staff import staff
    from prize.security import Passwords

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            print("The two passwords differ.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        with _database(settings) as database, database.write() as session:
            account = staff.create_staff(
                session=session,
                passwords=Passwords(),
                actor=audit.SYSTEM,
                now=args.clock(),
                email=args.email,
                password=password,
                name=args.name,
            )
    except DomainError as error:
        print(str(error), file=sys.stderr)
        return 1
    print(f"Created secretariat account {account.email}.")
    return 0


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import col, select

    from prize.domain.shared import outbox
    from prize.models import OutboxMessage

    if args.action == "send" and not settings.smtp_url:
        print("PRIZE_SMTP_URL is not set: nothing can be sent.", file=sys.stderr)
        return 1
    with _database(settings) as database:
        if args.action == "send":
            total = outbox.DeliveryReport()
            while True:
                # Timed by the database's clock, as the serving processes' senders: a claim
                # judged by this host's clock, if it ran fast, would take over messages another
                # machine is sending (sent twice) and record the sending in the future.
                report = outbox.deliver_due(
                    database=database,
                    smtp_url=settings.smtp_url,
                    mail_from=settings.mail_from,
                    contact=settings.contact_email,
                    now=_shared_clock(args, database)(),
                    clock=_shared_clock(args, database),
                )
                total.sent += report.sent
                total.failed += report.failed
                if report.sent + report.failed == 0 or report.failed:
                    break
            print(f"Sent {total.sent}, failed {total.failed}.")
            return 1 if total.failed else 0
        with database.read() as session:
            rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
            for m in rows:
                print(
                    f"{m.id:>6}  {m.status.value:<8} {formats.spreadsheet(m.created_at)}  "
                    f"{m.recipient:<32} {m.subject}"
                )
            print(f"{len(rows)} messages (times in Paris).")
        return 0


def cmd_tally(args: argparse.Namespace, settings: Settings) -> int:
    """Recompute a round's ranking from the stored ballots (as the tally page and results JSON)."""
    import json

    from prize.domain.editions import editions
    from prize.domain.errors import NotFound
    from prize.domain.results import tally_input
    from prize.models import Round

    with _database(settings) as database, database.read() as session:
        try:
            edition = editions.get_by_year(session=session, year=args.year)
        except NotFound:
            print(f"There is no edition {args.year}.", file=sys.stderr)
            return 1
        round_ = Round(args.round)
        data = tally_input.ranking_json(session=session, edition=edition, round_=round_)
        digest = tally_input.tally_of(session=session, edition=edition, round_=round_).digest
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"Edition {data['edition']}, round {data['round']}")

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.4f}"

    for row in data["ranking"]:
        print(
            f"{row['rank']:>4}  {row['reference']:<15} {row['country_code']:<3}"
            f"{fmt(row['score']):>8} {fmt(row['median']):>8} {fmt(row['spread']):>8}"
            f"{row['ballots']:>4}  {row['title']}"
            + (f"  [{', '.join(row['flags'])}]" if row["flags"] else "")
        )
    print(f"{len(data['ranking'])} applications. Ballot digest: {digest}")
    return 0


def _entries(first: int, last: int) -> str:
    return f"Entry #{first} was" if first == last else f"Entries #{first}-#{last} were"


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Print the chain's head, or walk the chain and report the first damaged entry."""
    from prize.domain.shared import audit

    with _database(settings) as database, database.read() as session:
        if args.action == "head":
            head = audit.head(session=session)
            if head is None:
                print(f"prize: {audit.NO_HEAD}.", file=sys.stderr)
                return 1
            print(head)
            return 0
        result = audit.verify(session=session, anchor=args.head)
    if not result.ok:
        if result.first_bad_id is None:
            print(f"FAILED: {result.problem}.", file=sys.stderr)
            return 1
        intact = (
            "1 entry before it is intact"
            if result.checked == 1
            else f"{result.checked} entries before it are intact"
        )
        print(
            f"FAILED at entry #{result.first_bad_id}: {result.problem}. {intact}.",
            file=sys.stderr,
        )
        return 1
    entries = "1 audit entry" if result.checked == 1 else f"{result.checked} audit entries"
    print(f"OK: {entries}, the chain is intact.")
    if result.anchor is not None:
        print(
            f"Nothing up to entry #{result.anchor.id} was dropped or changed: it matches the "
            f"head given ({result.anchor})."
        )
    if result.unkeyed:
        print(
            f"{_entries(1, result.unkeyed)} written before the chain was keyed (a plain SHA-256)."
        )
        if result.unkeyed == result.checked:
            print(
                "No entry is keyed yet: until Prize records the next change, whoever can write "
                "the database can rewrite the whole log."
            )
    for use in result.keys:
        if use.index > 0:
            print(
                f"{_entries(use.first_id, use.last_id)} keyed with an older key, "
                f"{settings.audit_key_name(use.index)}: keep it configured."
            )
    return 0


def _head_arg(text: str) -> object:
    from prize.domain.shared import audit

    try:
        return audit.Head.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """One archive of the database and the stored files (see prize/backup.py)."""
    from prize.backup import BackupError, create_backup

    try:
        with _database(settings) as database:
            manifest = create_backup(
                database_url=settings.database_url,
                store=open_store(settings, database),
                target=Path(args.file),
                now=args.clock(),
            )
    except BackupError as error:
        print(f"prize backup: {error}", file=sys.stderr)
        return 1
    print(
        f"Backed up the {manifest['engine']} database (revision {manifest['alembic_revision']}) "
        f"and {len(manifest['files'])} stored files to {args.file}."
    )
    if manifest["audit_head"] is not None:
        head = manifest["audit_head"]
        print(
            f"Audit log head: {head['id']} {head['hash']} (keep it elsewhere; "
            "`prize audit verify --head` checks it)."
        )
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Bring a backup back onto an empty installation."""
    from prize.backup import BackupError, restore_backup
    from prize.domain.shared import audit

    try:
        with _database(settings) as database:
            manifest = restore_backup(
                database_url=settings.database_url,
                store=open_store(settings, database),
                source=Path(args.file),
            )
    except BackupError as error:
        print(f"prize restore: {error}", file=sys.stderr)
        return 1
    print(
        f"Restored the backup made {manifest['created_at']} ({manifest['engine']}, revision "
        f"{manifest['alembic_revision']}, {len(manifest['files'])} stored files)."
    )
    if manifest["alembic_revision"] != schema.head_revision():
        print("The backup's schema is older than this version: run `prize migrate` next.")
    kept = manifest.get("audit_head")
    try:
        head = audit.Head.parse(f"{kept['id']}:{kept['hash']}") if kept else None
    except (TypeError, KeyError, ValueError):
        head = None
    if head is not None:
        print(
            f"Its audit log head was {head}: compare it with the copy you kept, then check the "
            f"log with `prize audit verify --head {head.id}:{head.hash}`."
        )
    return 0


def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    """The retention rule (docs/retention.md): show what is due, or do it."""
    from prize.domain.privacy import retention

    with _database(settings) as database:
        # what is due is dated as the serving processes date it
        now = _shared_clock(args, database)()
        if args.dry_run:
            with database.read() as session:
                todo = retention.plan(
                    session=session, now=now, store=open_store(settings, database)
                )
        else:
            with database.write() as session:
                todo = retention.apply(
                    session=session, now=now, store=open_store(settings, database)
                )
    for line in todo.lines():
        print(line)
    if todo.orphans_refused:
        print("Done, but some files could not be deleted: see the log above.", file=sys.stderr)
        return 1
    print("Dry run: nothing was changed." if args.dry_run else "Done.")
    return 0


def cmd_storage(args: argparse.Namespace, settings: Settings) -> int:
    """Move every stored file to another store, each checked by its SHA-256."""
    from sqlmodel import select

    from prize.models import Attachment

    try:
        target_url = load_storage_url(args.to)
    except SettingsError as error:
        print(f"prize storage: {error}", file=sys.stderr)
        return 2
    with _database(settings) as database:
        source = open_store(settings, database)
        target = store_at(target_url, database)
        if source.url == target.url:
            print(f"prize storage: the files are already in {target.url}.", file=sys.stderr)
            return 1
        with database.read() as session:
            expected = dict(session.exec(select(Attachment.stored_name, Attachment.sha256)).all())
        try:
            moved = move_files(source, target, expected=expected)
        except MoveFailed as error:
            print(f"prize storage: {error}", file=sys.stderr)
            return 1
    print(
        f"Moved {len(moved)} stored files from {source.url} to {target.url}, "
        f"each checked by its SHA-256. Now set PRIZE_STORAGE_URL={target.url} on every machine."
    )
    return 0


def cmd_ballot_link(args: argparse.Namespace, settings: Settings) -> int:
    """Print a juror's current ballot link (for a juror whose e-mail bounces)."""
    from prize.domain.errors import DomainError
    from prize.domain.jury import jurors
    from prize.domain.jury import links as juror_links
    from prize.tokens import Signer

    try:
        with _database(settings) as database, database.read() as session:
            juror = jurors.find_by_email(session=session, email=args.email, year=args.year)
            if not juror.active:
                raise DomainError("This juror was replaced: they have no ballot link any more.")
            if juror.invited_at is None:
                raise DomainError("This juror is not invited yet: invite them first.")
            if juror.revoked_at is not None:
                raise DomainError("This juror's links are revoked: reissue a new link first.")
            edition = jurors.edition_of(session=session, juror=juror)
            url = juror_links.link_url(
                signer=Signer(settings.verifying_keys, clock=args.clock),
                base_url=settings.base_url,
                juror=juror,
            )
    except DomainError as error:
        print(f"prize: {error}", file=sys.stderr)
        return 1
    if juror_links.ballot_closed_for_good(edition, args.clock()):
        print("prize: the final round has closed: this link no longer opens.", file=sys.stderr)
        return 1
    print(url)
    return 0


def cmd_reminders(args: argparse.Namespace, settings: Settings) -> int:
    """Queue the deadline reminders due now (the sender loop of `prize serve` does it too)."""
    from prize.domain.applicants import reminders
    from prize.tokens import Signer
    from prize.views import links

    with _database(settings) as database, database.write() as session:
        queued = reminders.queue_deadline_reminders(
            session=session,
            now=_shared_clock(args, database)(),  # as the serving processes' passes
            links=links.for_applicants(settings, Signer(settings.verifying_keys)),
        )
    print(f"Queued {queued} deadline reminders.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prize", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="serve the app with uvicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(handler=cmd_serve, contact=True)

    p = sub.add_parser("migrate", help="upgrade the database schema (Alembic) to head")
    p.add_argument("--revision", default="head")
    p.set_defaults(handler=cmd_migrate)

    p = sub.add_parser("demo", help="a fresh SQLite demo database with demo data, then serve it")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--database", default="prize-demo.sqlite3")
    p.add_argument("--storage", default="prize-demo-storage")
    p.add_argument("--no-serve", action="store_true", help="build the data and stop")
    p.set_defaults(handler=cmd_demo, demo=True)

    p = sub.add_parser(
        "create-admin", help="add a secretariat account (password from a prompt or standard input)"
    )
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="")
    p.set_defaults(handler=cmd_create_admin)

    p = sub.add_parser("outbox", help="list the e-mail outbox, or send what is due")
    p.add_argument("action", choices=["list", "send"])
    p.set_defaults(handler=cmd_outbox, contact=True)

    p = sub.add_parser("tally", help="recompute a jury round's ranking from the stored ballots")
    p.add_argument("year", type=int)
    p.add_argument("--round", choices=["shortlist", "final"], required=True)
    p.add_argument(
        "--json", action="store_true", help="print JSON, as docs/design.md (Contracts) describes"
    )
    p.set_defaults(handler=cmd_tally)

    p = sub.add_parser("audit", help="check the audit log, or print its head to keep elsewhere")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("verify", help="walk the hash chain; name the first damaged entry")
    a.add_argument(
        "--head",
        type=_head_arg,
        metavar="ID:HASH",
        help="a head printed earlier by `prize audit head` (or in a backup's manifest, or on "
        "the publication page): prove that nothing up to that entry was dropped or changed",
    )
    a.set_defaults(handler=cmd_audit, secret=False, audit_key=True)
    a = actions.add_parser("head", help="print the newest entry's id and hash, to keep elsewhere")
    a.set_defaults(handler=cmd_audit, secret=False)

    p = sub.add_parser("backup", help="write one archive of the database and the stored files")
    p.add_argument("file", help="the archive to write (.tar.gz); it must not exist yet")
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("restore", help="bring a backup back onto an empty installation")
    p.add_argument("file", help="an archive written by `prize backup`")
    p.set_defaults(handler=cmd_restore)

    p = sub.add_parser("retention", help="delete old drafts and expired personal data")
    p.add_argument("--dry-run", action="store_true", help="only print what would be done")
    p.set_defaults(handler=cmd_retention)

    p = sub.add_parser("storage", help="move the stored files to another store")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser(
        "migrate", help="move every stored file to --to, checking each by its SHA-256"
    )
    a.add_argument("--to", required=True, help="database: or file:///absolute/folder")
    a.set_defaults(handler=cmd_storage)

    p = sub.add_parser("ballot-link", help="print a juror's current ballot link")
    p.add_argument("email", help="the juror's e-mail address")
    p.add_argument("--year", type=int, help="the edition (default: the newest with this juror)")
    p.set_defaults(handler=cmd_ballot_link)

    p = sub.add_parser("reminders", help="queue the deadline reminders due to unsubmitted drafts")
    p.set_defaults(handler=cmd_reminders)

    p = sub.add_parser(
        "translations", help="update the catalogues from the code and templates, or check them"
    )
    p.add_argument("action", choices=["update", "check"])
    p.set_defaults(handler=cmd_translations, secret=False)

    # Commands that sign nothing run without PRIZE_SECRET_KEYS; those that write or check the
    # audit log need its key (PRIZE_AUDIT_KEY, or PRIZE_SECRET_KEYS that it is derived from).
    for name in ("migrate", "tally", "backup", "restore", "retention", "outbox", "storage"):
        sub.choices[name].set_defaults(secret=False)
    sub.choices["retention"].set_defaults(audit_key=True)
    return parser


def cmd_translations(args: argparse.Namespace, settings: Settings) -> int:
    from prize import catalogue

    if args.action == "update":
        missing = catalogue.update()
    else:
        missing = {"fr": catalogue.missing_from("fr")}
    for language, ids in missing.items():
        for msgid in ids:
            print(f"{language}: untranslated: {msgid!r}")
        print(f"{language}: {len(ids)} untranslated messages.")
    return 1 if any(missing.values()) else 0


def _shared_clock(args: argparse.Namespace, database: Database) -> Callable[[], datetime]:
    """The clock of work that several machines share (sending, reminders, retention): the
    database's, so a host whose clock is wrong cannot take over another's sending or erase data
    early; a test's own clock if it set one."""
    return args.clock if args.own_clock else database.now


def main(argv: Sequence[str] | None = None, *, clock: Callable[[], datetime] | None = None) -> int:
    """Run a command; ``clock`` (the real time, unless a test in this process sets its own) dates
    what the commands do."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.clock = clock or utcnow
    args.own_clock = clock is not None
    try:
        settings = load(
            demo=getattr(args, "demo", False),
            need_secret=getattr(args, "secret", True),
            need_audit_key=getattr(args, "audit_key", False),
            need_contact=getattr(args, "contact", False),
        )
    except SettingsError as error:
        print(f"prize: {error}", file=sys.stderr)
        return 2
    result: int = args.handler(args, settings)
    return result


if __name__ == "__main__":
    sys.exit(main())
