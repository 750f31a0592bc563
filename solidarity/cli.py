"""Commands for whoever keeps the data: ``python -m solidarity.cli COMMAND`` (the Makefile's targets).

- ``migrate``: bring the store's schema up to date (``make migrate``; ``make run`` does it first);
- ``import-data FILE [--dry-run]``: add and update initiatives from a CSV (``make import-data``);
- ``export-data DIR``: write centres, projects and initiatives as CSV (``make export-data``);
- ``backup [--dir DIR]``: a consistent copy of the store in ``backups/`` (``make backup``).

Settings come from the environment and ``.streamlit/secrets.toml``, as for the app. A wrong
setting or an unreachable database ends the command with one line naming it (exit status 2);
an import that is refused exits with 1 and changes nothing.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from solidarity import migrate
from solidarity.db import StoreError, make_engine, normalise_url
from solidarity.settings import PROJECT_DIR, SettingsError, load_settings, read_secrets
from solidarity.store import Store

log = logging.getLogger(__name__)


def open_store() -> Store:
    """The store of the settings, migrated (:class:`StoreError` / :class:`SettingsError` on trouble)."""
    settings = load_settings(secrets=read_secrets())
    return Store(settings.DATABASE_URL)


def open_engine() -> Engine:
    """An engine on the store of the settings (not migrated)."""
    settings = load_settings(secrets=read_secrets())
    return make_engine(normalise_url(settings.DATABASE_URL))


def cmd_migrate(_args: argparse.Namespace) -> int:
    engine = open_engine()
    applied = migrate.upgrade(engine)
    print(f"store at revision {migrate.head()}" + (f" (applied {', '.join(applied)})" if applied else " (up to date)"))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    store = open_store()
    report = store.import_file(Path(args.file), who=args.who, dry_run=args.dry_run, note=args.note)
    for line in report.lines() if not report.refused else [report.summary()]:
        print(line)
    if report.written:
        print(f"the map shows the changes after a reload (data version {store.data_version()})")
    return 1 if report.refused else 0


def cmd_export(args: argparse.Namespace) -> int:
    store = open_store()
    for path in store.export_data(Path(args.dir)):
        print(f"wrote {path}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    store = open_store()
    print(f"wrote {store.backup(Path(args.dir))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solidarity.cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply pending migrations").set_defaults(run=cmd_migrate)
    p = commands.add_parser("import-data", help="add and update initiatives from a CSV file")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument("--who", default=None, help="who imports (default: import:<file name>)")
    p.add_argument("--note", default=None, help="a note kept with every change of the import")
    p.set_defaults(run=cmd_import)
    p = commands.add_parser("export-data", help="write centres, projects, initiatives as CSV files")
    p.add_argument("dir")
    p.set_defaults(run=cmd_export)
    p = commands.add_parser("backup", help="a consistent copy of the store")
    p.add_argument("--dir", default=str(PROJECT_DIR / "backups"))
    p.set_defaults(run=cmd_backup)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        return args.run(args)
    except (StoreError, SettingsError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
