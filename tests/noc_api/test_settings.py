"""Settings: a wrong value fails at start with a message naming the variable."""

from __future__ import annotations

import pytest

from noc_api.settings import SettingsError, load_settings


def test_defaults() -> None:
    s = load_settings()
    assert s.database_url.startswith("sqlite:///") and s.port == 8000


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        ("CCIS_PORT", "eighty", "CCIS_PORT"),
        ("CCIS_PORT", "70000", "CCIS_PORT"),
        ("CCIS_DATABASE_URL", "mysql://x", "CCIS_DATABASE_URL"),
        ("CCIS_ENV", "staging", "CCIS_ENV"),
    ],
)
def test_wrong_setting_is_named(monkeypatch: pytest.MonkeyPatch, env: str, value: str, named: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


@pytest.mark.parametrize("key", ["change-me", "x" * 31])
def test_production_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("CCIS_ENV", "production")
    monkeypatch.setenv("CCIS_SECRET_KEY", key)
    with pytest.raises(SettingsError, match="CCIS_SECRET_KEY must be at least 32 bytes"):
        load_settings()


def test_a_random_secret_is_created_once_and_kept_private(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("CCIS_SECRET_KEY", raising=False)
    monkeypatch.setenv("CCIS_ENV", "production")
    first = load_settings(state_dir=tmp_path / "var").signing_key
    assert len(first) >= 48 and first != load_settings(state_dir=tmp_path / "other").signing_key
    assert load_settings(state_dir=tmp_path / "var").signing_key == first  # read back, not made anew
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_short_secret_is_warned_about_in_development(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="ccis.settings"):
        load_settings(secret_key="change-me")
    assert "only 9 bytes" in caplog.text


def test_secret_from_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    f = tmp_path / "key"
    f.write_text("s3cret-from-file\n")
    monkeypatch.delenv("CCIS_SECRET_KEY", raising=False)
    monkeypatch.setenv("CCIS_SECRET_KEY_FILE", str(f))
    assert load_settings().secret_key.get_secret_value() == "s3cret-from-file"


def test_postgres_url_gets_the_driver() -> None:
    assert load_settings(database_url="postgres://u@h/db").database_url == "postgresql+psycopg://u@h/db"
