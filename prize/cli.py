"""The ``prize`` command."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from prize import schema
from prize.db import Database
from prize.models import utcnow
from prize.settings import Settings, SettingsError, load

Handler = Callable[[argparse.Namespace, Settings], int]
COMMANDS: dict[str, Handler] = {}


def _serve_app(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from prize.security import install_log_redaction

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    install_log_redaction()
    if workers > 1:
        # Several processes read their settings from the environment, as the first did.
        uvicorn.run(
            "prize.app:asgi",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=settings.access_log,
            proxy_headers=True,
            log_config=None,
        )
        return
    from prize.app import create_app

    app = create_app(settings, run_sender=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=settings.access_log,
        proxy_headers=True,
        log_config=None,
    )


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
        smtp_url="",
    )
    print("Preparing the demo database…", flush=True)
    schema.upgrade(url)
    database = Database(url)
    report = demo.build(database=database, settings=settings, now=utcnow())
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
    from prize.domain import audit, staff
    from prize.domain.errors import DomainError
    from prize.security import Passwords

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            print("The two passwords differ.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    database = Database(settings.database_url)
    try:
        with database.write() as session:
            account = staff.create_staff(
                session=session,
                passwords=Passwords(),
                actor=audit.SYSTEM,
                now=utcnow(),
                email=args.email,
                password=password,
                name=args.name,
            )
            print(f"Created secretariat account {account.email}.")
    except DomainError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        database.dispose()
    return 0


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import col, select

    from prize.domain import outbox
    from prize.models import OutboxMessage

    database = Database(settings.database_url)
    try:
        if args.action == "send":
            if not settings.smtp_url:
                print("PRIZE_SMTP_URL is not set: nothing can be sent.", file=sys.stderr)
                return 1
            total = outbox.DeliveryReport()
            while True:
                report = outbox.deliver_due(
                    database=database,
                    smtp_url=settings.smtp_url,
                    mail_from=settings.mail_from,
                    now=utcnow(),
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
                    f"{m.id:>6}  {m.status.value:<8} {m.created_at:%Y-%m-%d %H:%M}  "
                    f"{m.recipient:<32} {m.subject}"
                )
            print(f"{len(rows)} messages.")
        return 0
    finally:
        database.dispose()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prize", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="serve the app with uvicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(handler=cmd_serve)

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
    p.set_defaults(handler=cmd_outbox)

    # More commands register themselves below (tally, audit, backup, restore, retention, ...).
    for register in EXTRA_PARSERS:
        register(sub)
    return parser


EXTRA_PARSERS: list[Callable[[argparse._SubParsersAction], None]] = []  # type: ignore[type-arg]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load(demo=getattr(args, "demo", False))
    except SettingsError as error:
        print(f"prize: {error}", file=sys.stderr)
        return 2
    result: int = args.handler(args, settings)
    return result


if __name__ == "__main__":
    sys.exit(main())
