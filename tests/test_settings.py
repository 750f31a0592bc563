"""Settings: read from the environment and secrets, and every one documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from solidarity.settings import Settings, load_settings, setting_names

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("name", setting_names())
def test_every_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in README.read_text(encoding="utf-8"), f"document {name} in README.md"


def test_environment_wins_over_secrets() -> None:
    settings = load_settings(secrets={"GEOCODER": "offline", "GEODATA_DIR": "/s"}, environ={"GEODATA_DIR": "/e"})
    assert settings.GEOCODER == "offline"
    assert settings.GEODATA_DIR == "/e"


def test_defaults_and_types() -> None:
    settings = load_settings(environ={"GEOCODER_TIMEOUT": "3.5"})
    assert settings.GEOCODER_TIMEOUT == 3.5
    assert settings.DATABASE_URL.startswith("sqlite:///")
    assert settings == Settings(GEOCODER_TIMEOUT=3.5)


def test_tiles_can_be_switched_off() -> None:
    assert load_settings(environ={"TILES_URL": "none"}).TILES_URL == ""


def test_geodata_dirs_only_existing(tmp_path: Path) -> None:
    settings = load_settings(environ={"GEODATA_DIR": str(tmp_path), "GEODATA_CACHE_DIR": str(tmp_path / "missing")})
    assert settings.geodata_dirs == [tmp_path]
