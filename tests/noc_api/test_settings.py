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


def test_production_refuses_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCIS_ENV", "production")
    with pytest.raises(SettingsError, match="CCIS_SECRET_KEY"):
        load_settings()


def test_secret_from_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    f = tmp_path / "key"
    f.write_text("s3cret-from-file\n")
    monkeypatch.delenv("CCIS_SECRET_KEY", raising=False)
    monkeypatch.setenv("CCIS_SECRET_KEY_FILE", str(f))
    assert load_settings().secret_key.get_secret_value() == "s3cret-from-file"


def test_postgres_url_gets_the_driver() -> None:
    assert load_settings(database_url="postgres://u@h/db").database_url == "postgresql+psycopg://u@h/db"
