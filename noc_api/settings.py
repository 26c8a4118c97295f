"""Server settings, read from ``CCIS_*`` environment variables (and ``*_FILE`` variants for secrets)."""

from __future__ import annotations

import logging
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_BYTES = 32
log = logging.getLogger("ccis.settings")


class Settings(BaseSettings):
    """Every knob of the server; a wrong value fails at start naming the variable."""

    model_config = SettingsConfigDict(env_prefix="CCIS_", extra="ignore", secrets_dir=None)

    env: str = Field("development", description="development | test | production")
    database_url: str = "sqlite:///var/ccis.db"
    read_database_url: str = Field(
        "",
        description="a PostgreSQL read replica (a streaming standby of database_url) that the MIS reports and the "
        "public service-delivery pages read from; empty: they read the primary",
    )
    inventory: Path = Path("inventory.yaml")
    alert_rules: Path = Path("alert_rules")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64, description="API worker processes of `ccis serve`")
    request_threads: int = Field(
        40,
        ge=2,
        le=400,
        description="threads per API process for requests that touch the database (one GIL: more threads "
        "wait for it longer, fewer queue requests sooner)",
    )
    malloc_trim_seconds: float = Field(
        60.0,
        ge=0,
        le=86400,
        description="how often each API process hands freed memory back to the system (glibc malloc_trim); 0: never",
    )
    secret_key: SecretStr | None = Field(
        None, description="signs links; when unset a random one is created once under state_dir (mode 0600)"
    )
    state_dir: Path = Field(Path("var"), description="where the server keeps its own files (the generated secret)")
    public_base_url: str = "http://127.0.0.1:8000"
    login_per_address: str = Field(
        "120/5 minutes", description="logins one client address may try (a call centre's seats share one address)"
    )
    login_per_user: str = Field("10/5 minutes", description="logins one user name may try")
    public_per_address: str = Field("60/minute", description="public complaint requests one client address may make")
    # Ingest and health
    heartbeat_seconds: float = Field(10.0, gt=0)
    grace_heartbeats: int = Field(3, ge=1)
    max_ingest_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="the largest request body any endpoint takes")
    raw_retention_days: int = Field(7, ge=1)
    run_scheduler: bool = True
    health_interval_seconds: float = Field(1.0, gt=0, description="how often the leader evaluates health")
    health_max_share: float = Field(
        0.3,
        gt=0,
        le=1,
        description="the most of its time the leader spends evaluating health (a big city is "
        "evaluated less often than every interval rather than starve the API)",
    )
    hold_down_seconds: float = Field(60.0, ge=0, description="a recovery shorter than this continues the outage")
    rollup_interval_seconds: float = Field(60.0, gt=0)
    retention_interval_seconds: float = Field(3600.0, gt=0)
    leader_lease_seconds: float = Field(15.0, gt=0, description="scheduler lease; another process takes over after")
    sse_poll_seconds: float = Field(1.0, gt=0, description="how often live event streams look for changes")
    # Each reconnect logs in again, so a disabled user or a changed scope takes effect within this time.
    complaint_stream_seconds: float = Field(60.0, gt=0, le=3600, description="a complaint event stream ends after")
    notify_interval_seconds: float = Field(2.0, gt=0, description="how often alert and complaint messages are sent")
    sla_interval_seconds: float = Field(60.0, gt=0, description="how often SLA warnings and escalations run")
    report_mail_interval_seconds: float = Field(900.0, gt=0, description="how often due MIS reports are mailed")
    status_interval_seconds: float = Field(15.0, gt=0, description="how often the public status board is rebuilt")
    ticket_scopes: str = Field("site,channel,device", description="outage scopes that raise internal tickets")
    preventive_maintenance: bool = Field(True, description="raise each period's tickets of the maintenance plans")
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
    # Retries of messages other than alert notices (those follow alert_rules/routing.yaml's defaults)
    notify_retry_base_seconds: float = Field(30.0, gt=0, description="first retry delay; doubles after each failure")
    notify_retry_cap_seconds: float = Field(3600.0, gt=0, description="longest delay between two attempts")
    notify_max_attempts: int = Field(8, ge=1, description="attempts before a message is marked failed")
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
    reopen_after_close_days: float = Field(
        7.0, ge=0, description="a citizen may reopen a complaint staff closed for this many days after closing"
    )
    # Open311 GeoReport v2 (partner apps)
    open311_jurisdiction_id: str = Field("", description="when set, a request naming another jurisdiction gets 404")
    open311_contact: str = Field("Karachi CCIS: call 1339 or write to the complaint cell", description="discovery")
    open311_key_service: str = Field("Partner apps ask the CCIS administrator for an api_key", description="discovery")
    open311_request_type: str = Field("realtime", description="realtime: POST answers the id; batch: a token")
    open311_key_rate: str = Field("60/minute", description="default POST rate per api_key (limits notation)")
    open311_coordinate_decimals: int = Field(3, ge=0, le=6, description="published lat/long are rounded to this")
    # Intake webhooks (SMS gateway, WhatsApp, chatbot) and the IVR: HMAC-SHA256 secrets per provider
    intake_sms_secret: SecretStr = SecretStr("")
    intake_whatsapp_secret: SecretStr = SecretStr("")
    intake_chatbot_secret: SecretStr = SecretStr("")
    intake_ivr_secret: SecretStr = SecretStr("")
    whatsapp_reply_url: str = Field("", description="where WhatsApp replies are POSTed (the provider's send API)")
    chatbot_reply_url: str = Field("", description="where chatbot replies are POSTed")
    intake_conversation_hours: float = Field(24.0, gt=0, description="an idle conversation starts over after this")

    @field_validator("database_url")
    @classmethod
    def _normalise_dsn(cls, v: str) -> str:
        v = _psycopg_url(v)
        if not (v.startswith("sqlite") or v.startswith("postgresql+psycopg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return v

    @field_validator("read_database_url")
    @classmethod
    def _normalise_read_dsn(cls, v: str) -> str:
        v = _psycopg_url(v.strip())
        if v and not v.startswith("postgresql+psycopg://"):
            raise ValueError("must be a postgresql:// URL of a read replica (SQLite has none), or empty")
        return v

    @field_validator("open311_request_type")
    @classmethod
    def _request_type(cls, v: str) -> str:
        if v not in {"realtime", "batch"}:
            raise ValueError("must be realtime or batch")
        return v

    @field_validator("open311_key_rate")
    @classmethod
    def _open311_rate(cls, v: str) -> str:
        from limits import parse_many

        try:
            parse_many(v)
        except ValueError:
            raise ValueError("must be a rate such as 60/minute or 10/second;500/day") from None
        return v

    @field_validator("login_per_address", "login_per_user", "public_per_address")
    @classmethod
    def _rate(cls, v: str) -> str:
        from limits import parse

        try:
            parse(v)
        except ValueError:
            raise ValueError("must read like '120/5 minutes'") from None
        return v

    @field_validator("env")
    @classmethod
    def _known_env(cls, v: str) -> str:
        if v not in {"development", "test", "production"}:
            raise ValueError("must be development, test or production")
        return v

    @model_validator(mode="after")
    def _replica_of_postgres(self) -> Settings:
        if self.read_database_url and self.is_sqlite:
            raise ValueError("CCIS_READ_DATABASE_URL needs CCIS_DATABASE_URL on PostgreSQL (it replicates that)")
        return self

    @model_validator(mode="after")
    def _strong_secret_in_production(self) -> Settings:
        key = self.secret_key.get_secret_value() if self.secret_key else None
        if key is not None and len(key.encode()) < MIN_SECRET_BYTES:
            if self.env == "production":
                raise ValueError(
                    f"CCIS_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes in production "
                    "(unset it to have a random one created)"
                )
            log.warning(
                "CCIS_SECRET_KEY is only %d bytes: anyone who guesses it can forge links; "
                "unset it (a random one is created) or use %d+ random bytes",
                len(key.encode()),
                MIN_SECRET_BYTES,
            )
        return self

    @property
    def signing_key(self) -> str:
        """The secret that signs links; load_settings always fills it in."""
        if self.secret_key is None:
            raise SettingsError("no secret key: build settings with load_settings()")
        return self.secret_key.get_secret_value()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _psycopg_url(v: str) -> str:
    """postgres:// and postgresql:// URLs spelled with the driver the server uses."""
    if v.startswith("postgres://"):
        v = "postgresql://" + v.removeprefix("postgres://")
    if v.startswith("postgresql://"):
        v = "postgresql+psycopg://" + v.removeprefix("postgresql://")
    return v


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


def load_settings(**overrides: Any) -> Settings:
    """Read the environment, turning pydantic's errors into one message naming each variable."""
    from pydantic import ValidationError

    try:
        settings = Settings(**{**_file_secrets(), **overrides})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "settings"
            name = f"CCIS_{loc.upper()}" if err["loc"] else "settings"
            lines.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
    if settings.secret_key is None:
        settings = settings.model_copy(update={"secret_key": SecretStr(stored_secret(settings.state_dir))})
    return settings


def stored_secret(state_dir: Path) -> str:
    """The server's own random secret: created once (mode 0600) under ``state_dir``, then read back."""
    path = state_dir / "secret_key"
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise SettingsError(f"CCIS_STATE_DIR: cannot create {path}: {exc.strerror}") from exc
    else:
        with os.fdopen(fd, "w") as out:  # exclusive create: two processes starting at once agree on one secret
            out.write(secrets.token_urlsafe(48))
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)  # another process is writing it this instant
    raise SettingsError(f"{path} is empty: delete it to have a new secret created")
