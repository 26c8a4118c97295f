"""Server settings, read from ``CCIS_*`` environment variables (and ``*_FILE`` variants for secrets)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"


class Settings(BaseSettings):
    """Every knob of the server; a wrong value fails at start naming the variable."""

    model_config = SettingsConfigDict(env_prefix="CCIS_", extra="ignore", secrets_dir=None)

    env: str = Field("development", description="development | test | production")
    database_url: str = "sqlite:///var/ccis.db"
    inventory: Path = Path("inventory.yaml")
    alert_rules: Path = Path("alert_rules")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    public_base_url: str = "http://127.0.0.1:8000"
    # Ingest and health
    heartbeat_seconds: float = Field(10.0, gt=0)
    grace_heartbeats: int = Field(3, ge=1)
    max_ingest_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    raw_retention_days: int = Field(7, ge=1)
    run_scheduler: bool = True
    health_interval_seconds: float = Field(1.0, gt=0, description="how often the leader evaluates health")
    hold_down_seconds: float = Field(60.0, ge=0, description="a recovery shorter than this continues the outage")
    rollup_interval_seconds: float = Field(60.0, gt=0)
    retention_interval_seconds: float = Field(3600.0, gt=0)
    leader_lease_seconds: float = Field(15.0, gt=0, description="scheduler lease; another process takes over after")
    sse_poll_seconds: float = Field(1.0, gt=0, description="how often live event streams look for changes")
    notify_interval_seconds: float = Field(2.0, gt=0, description="how often alert and complaint messages are sent")
    sla_interval_seconds: float = Field(60.0, gt=0, description="how often SLA warnings and escalations run")
    report_mail_interval_seconds: float = Field(900.0, gt=0, description="how often due MIS reports are mailed")
    ticket_scopes: str = Field("site,channel,device", description="outage scopes that raise internal tickets")
    preventive_maintenance: bool = Field(True, description="raise the city's preventive-maintenance tickets")
    ticket_reuse_minutes: int = Field(30, ge=0, description="a subject failing again this soon reopens its ticket")
    # Notifications
    smtp_host: str = ""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    smtp_from: str = "ccis-noc@localhost"
    sms_gateway_url: str = ""
    sms_gateway_template: str = '{"to": "{{ to }}", "text": "{{ text }}"}'
    # Complaint core
    attachments_dir: Path = Path("var/attachments")
    max_photo_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    qc_sample_rate: float = Field(0.1, ge=0.0, le=1.0, description="share of normal-priority resolutions QC calls")
    sla_business_hours: str = Field("", description="'9-17' for office hours in the city's zone; empty = 24/7")
    sla_workdays: str = Field("0,1,2,3,4,5", description="working weekdays, Monday=0")
    sla_holidays: str = Field("", description="comma-separated YYYY-MM-DD public holidays")
    duplicate_radius_m: float = Field(250.0, gt=0)
    duplicate_days: int = Field(7, ge=1)
    feedback_link_days: int = Field(30, ge=1)

    @field_validator("database_url")
    @classmethod
    def _normalise_dsn(cls, v: str) -> str:
        if v.startswith("postgres://"):
            v = "postgresql://" + v.removeprefix("postgres://")
        if v.startswith("postgresql://"):
            v = "postgresql+psycopg://" + v.removeprefix("postgresql://")
        if not (v.startswith("sqlite") or v.startswith("postgresql+psycopg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return v

    @field_validator("env")
    @classmethod
    def _known_env(cls, v: str) -> str:
        if v not in {"development", "test", "production"}:
            raise ValueError("must be development, test or production")
        return v

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key.get_secret_value() == DEFAULT_SECRET:
            raise ValueError("CCIS_SECRET_KEY must be set in production (it signs sessions and links)")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _file_secrets() -> dict[str, str]:
    """Let ``CCIS_X_FILE=/path`` supply ``CCIS_X`` (the container-secrets convention); the plain variable wins."""
    found: dict[str, str] = {}
    fields = set(Settings.model_fields)
    for key, value in os.environ.items():
        name = key.removeprefix("CCIS_").removesuffix("_FILE").lower()
        if key.startswith("CCIS_") and key.endswith("_FILE") and name in fields and key[:-5] not in os.environ:
            try:
                found[name] = Path(value).read_text().strip()
            except OSError as exc:
                raise SettingsError(f"{key}: cannot read {value}: {exc.strerror}") from exc
    return found


class SettingsError(Exception):
    """A setting is wrong; the message names it."""


@lru_cache
def get_settings() -> Settings:
    """Build settings once per process; tests build their own ``Settings(...)``."""
    return load_settings()


def load_settings(**overrides: object) -> Settings:
    """Read the environment, turning pydantic's errors into one message naming each variable."""
    from pydantic import ValidationError

    try:
        return Settings(**{**_file_secrets(), **overrides})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "settings"
            name = f"CCIS_{loc.upper()}" if err["loc"] else "settings"
            lines.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
