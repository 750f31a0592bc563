"""The commands for whoever keeps the data (``make migrate / import-data / export-data / backup``)
and bad configuration: one clear line naming the setting, never a traceback, never a fallback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from solidarity import cli
from solidarity.db import StoreConfigError, normalise_url
from solidarity.settings import SettingsError, load_settings, read_secrets
from solidarity.store import Store

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEED = Path(__file__).parent / "fixtures" / "seed"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)  # no secrets file of the project
    monkeypatch.setattr("solidarity.settings.secrets_files", lambda: [])
    return db_url


def test_migrate_import_export_backup(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate"]) == 0
    assert "store at revision 0003 (applied 0001, 0002, 0003)" in capsys.readouterr().out
    store = Store(env)
    store.ensure_seeded(SEED)
    export = tmp_path / "export"
    assert cli.main(["export-data", str(export)]) == 0
    text = (export / "initiatives.csv").read_text(encoding="utf-8-sig").replace("Buurttuin Kiel,", "Buurttuin Kiel-Oost,")
    changed = tmp_path / "changed.csv"
    changed.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["import-data", str(changed), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would change i1: name" in out and "1 changed" in out and "would be written" in out
    assert "Buurttuin Kiel-Oost" not in set(store.initiatives()["name"])
    assert cli.main(["import-data", str(changed)]) == 0
    assert "the map shows the changes after a reload" in capsys.readouterr().out
    assert "Buurttuin Kiel-Oost" in set(store.initiatives()["name"])
    assert store.history("i1")[-1].who == "import:changed.csv"
    assert cli.main(["backup", "--dir", str(tmp_path / "backups")]) == 0
    (backup,) = (tmp_path / "backups").iterdir()
    assert backup.name.startswith("solidarity-20")
    if env.startswith("sqlite"):
        with sqlite3.connect(backup) as conn:
            assert conn.execute("SELECT name FROM initiatives WHERE id = 'i1'").fetchone() == ("Buurttuin Kiel-Oost",)
    else:
        restore_pg_dump(backup, env)


def restore_pg_dump(backup: Path, url: str) -> None:
    """The README's restore: pg_restore into an empty schema shows the same data."""
    from tests.conftest import PgSchemas

    schemas = PgSchemas()
    try:
        target = schemas.new()
        parsed = sa.engine.make_url(url)
        source_schema = parsed.query["options"].split("=", 1)[1]
        libpq = sa.engine.make_url(target).set(drivername="postgresql", password=None, query={})
        listing = subprocess.run(["pg_restore", "--list", str(backup)], capture_output=True, text=True, check=True)
        assert f"TABLE {source_schema} initiatives" in listing.stdout or " initiatives " in listing.stdout
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={libpq.render_as_string(hide_password=False)}", "--schema",
             source_schema, "--clean", "--if-exists", str(backup)],
            env=dict(os.environ) | {"PGPASSWORD": parsed.password or ""}, capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        schemas.drop_all()


def test_import_refused_exits_1_and_changes_nothing(env: str, tmp_path: Path, capsys) -> None:
    Store(env).ensure_seeded(SEED)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id;naam\n1;x\n")
    assert cli.main(["import-data", str(bad)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["bad.csv: refused, nothing changed: lacks the required column(s) name, solidarity_type, lat, lon, "
                   "location_precision, source_url"]  # fmt: skip


BAD_URLS = [
    ("not a url at all", "DATABASE_URL is not a database URL"),
    ("mysql://u:p@localhost/db", "DATABASE_URL uses 'mysql'"),
    ("postgresql+psycopg://u:secret@127.0.0.1:1/db", "DATABASE_URL: cannot reach the database"),
    ("postgresql+psycopg://u:secret@localhost", "DATABASE_URL names no database"),
    ("sqlite://", "DATABASE_URL names no SQLite file"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS, ids=["garbage", "mysql", "unreachable", "no-db", "no-file"])
def test_bad_database_url_is_one_line_naming_the_setting(url: str, message: str, monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("solidarity.settings.secrets_files", lambda: [])
    assert cli.main(["migrate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert "secret" not in err[0]  # the password is never shown
    assert not list(tmp_path.glob("*.sqlite3")) and not (PROJECT_DIR / "data" / "x.sqlite3").exists()


def test_postgres_urls_of_hosting_services_mean_psycopg() -> None:
    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    with pytest.raises(StoreConfigError):
        normalise_url("  ")


def test_malformed_secrets_file_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text('DATABASE_URL = "postgresql+psycopg://u@h/db\n')
    with pytest.raises(SettingsError, match="secrets.toml is not valid TOML"):
        read_secrets([secrets])
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("solidarity.settings.secrets_files", lambda: [secrets])
    assert cli.main(["migrate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "secrets.toml is not valid TOML" in err[0]


def test_secrets_file_is_read(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('GEOCODER = "offline"\nGEOCODER_TIMEOUT = 3\n')
    assert load_settings(secrets=read_secrets([secrets]), environ={}).GEOCODER_TIMEOUT == 3.0
    with pytest.raises(SettingsError, match="GEOCODER_TIMEOUT must be a number"):
        load_settings(environ={"GEOCODER_TIMEOUT": "soon"})


@pytest.mark.parametrize(
    ("setup", "message"),
    [("url", "DATABASE_URL is not a database URL"), ("unreachable", "DATABASE_URL: cannot reach"),
     ("secrets", "is not valid TOML")],
)  # fmt: skip
def test_app_stops_with_one_line_and_no_fallback(setup: str, message: str, tmp_path: Path, monkeypatch) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SEED_DIR", str(SEED))
    monkeypatch.setenv("GEOCODER", "offline")
    monkeypatch.setenv("TILES_URL", "none")
    fallback = PROJECT_DIR / "data" / "solidarity.sqlite3"
    existed = fallback.exists()
    if setup == "url":
        monkeypatch.setenv("DATABASE_URL", "sqlite:/nope:::")
    elif setup == "unreachable":
        monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1:1/db")
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
        secrets = tmp_path / "secrets.toml"
        secrets.write_text("DATABASE_URL = [\n")
        monkeypatch.setattr("solidarity.settings.secrets_files", lambda: [secrets])
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    shown = errors[0].replace("\\", "")  # md() escapes markdown characters with backslashes
    assert "The map cannot be shown" in shown and message in shown, shown
    assert "\n" not in errors[0].split("  \n", 1)[1], "the problem is one line"
    assert not at.get("component_instance")  # no map drawn
    assert fallback.exists() == existed  # never a silent fallback to the local file


def test_make_import_data_dry_run(tmp_path: Path) -> None:
    """``make import-data FILE=... DRY_RUN=1`` through the Makefile (the venv exists: make test made it)."""
    if shutil.which("make") is None or not (PROJECT_DIR / ".venv" / ".installed").exists():
        pytest.skip("make or the project's .venv is missing")
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    Store(url).ensure_seeded(SEED)
    file = tmp_path / "new.csv"
    file.write_text((SEED / "initiatives.csv").read_text(encoding="utf-8").replace("Buurttuin Kiel", "Tuin Kiel"))
    result = subprocess.run(["make", "--no-print-directory", "-C", str(PROJECT_DIR), "import-data", f"FILE={file}",
                             "DRY_RUN=1"], env=dict(os.environ, DATABASE_URL=url), capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "would change i1: name" in result.stdout and "rejected: lat" in result.stdout
    assert "Tuin Kiel" not in set(Store(url).initiatives()["name"])
    assert sys.executable  # (the Makefile uses .venv/bin/python)
