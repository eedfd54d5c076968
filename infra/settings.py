"""Every `HUB_*` setting in one place, read from the environment (or a `.env` file).

A bad value stops the hub before it opens anything: `Settings()` raises `SettingsError`, whose
message has one line per bad variable, naming it and what it accepts (`hub` prints it and exits 2).
Secret values are `SecretStr`: no repr, str or log line of the settings shows them.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "HUB_"
DEFAULT_VAR_DIR = Path("var")
# The files that live in HUB_VAR_DIR unless their own variable names another place.
VAR_FILES = {"master_key_file": "master.key", "pepper_file": "pepper.key", "signing_key_file": "hub-signing.key"}
DATABASE_FILE = "hub.sqlite"
BACKENDS = ("sqlite", "postgresql")
_PASSWORD = re.compile(r"(://[^/?#@:]*:)[^/?#@]*@")


class SettingsError(Exception):
    """A `HUB_*` variable holds a value the hub does not accept; one line per variable."""


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


LogFormat = Literal["console", "json"]
LogLevelName = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogLevel = Annotated[LogLevelName, BeforeValidator(_upper)]


class RateLimit(BaseModel):
    """A token bucket: `rate` requests a second on average, `burst` at once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate: float = Field(gt=0)
    burst: int = Field(ge=1)


# Generous for each role's real traffic (a school's nightly batch, leerplicht's feed pulls), tight
# enough that one party's runaway client cannot take the hub's capacity from the others.
DEFAULT_RATE_LIMITS = {
    "school": RateLimit(rate=50, burst=500),
    "swv": RateLimit(rate=20, burst=200),
    "leerplicht": RateLimit(rate=20, burst=200),
    "jeugdteam": RateLimit(rate=10, burst=100),
    "auditor": RateLimit(rate=10, burst=100),
}


def _sqlite_url(var_dir: Path) -> str:
    return f"sqlite:///{var_dir / DATABASE_FILE}"


class Settings(BaseSettings):
    """The hub's configuration; docs/configuration.md lists the same fields."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=".env", extra="ignore")

    var_dir: Path = Field(
        DEFAULT_VAR_DIR,
        description="Where local state and secrets live: the defaults of the SQLite database and of the "
        "three key files below are in this directory",
    )
    database_url: str = Field(
        _sqlite_url(DEFAULT_VAR_DIR),
        description=f"sqlite:///path or postgresql://user:pass@host:port/db; default `{DATABASE_FILE}` in HUB_VAR_DIR",
    )
    master_key_file: Path = Field(
        DEFAULT_VAR_DIR / VAR_FILES["master_key_file"],
        description=f"Master key (32 bytes); default `{VAR_FILES['master_key_file']}` in HUB_VAR_DIR",
    )
    master_key: SecretStr | None = Field(
        None, description="Master key as base64 (32 bytes), instead of the file (for secret managers)"
    )
    pepper_file: Path = Field(
        DEFAULT_VAR_DIR / VAR_FILES["pepper_file"],
        description=f"Pseudonym pepper (32 bytes); default `{VAR_FILES['pepper_file']}` in HUB_VAR_DIR",
    )
    signing_key_file: Path = Field(
        DEFAULT_VAR_DIR / VAR_FILES["signing_key_file"],
        description="The hub's Ed25519 seed: receipts, tree heads; default "
        f"`{VAR_FILES['signing_key_file']}` in HUB_VAR_DIR",
    )
    create_secrets: bool = Field(
        True, description="Generate missing secrets on first run (only while the store is empty)"
    )
    create_tables: bool = Field(
        True,
        description="Create and migrate tables on start; false for the least-privilege API role "
        "(then `hub db migrate` runs as the owner role)",
    )
    store_threads: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Threads that run requests' blocking work (signature check, use case) off the event "
        "loop; default 1 on SQLite (one writer: more threads only contend for it and the GIL), "
        "4 on PostgreSQL (its transactions do run side by side)",
    )
    max_body_bytes: int = Field(256_000, ge=1, description="Largest request body accepted")
    database_timeout_seconds: int = Field(
        2,
        ge=1,
        le=60,
        description="How long a request waits for a PostgreSQL connection, and how long any of the "
        "server's statements may run or wait on a lock, before it is answered 503 (and how long the "
        "readiness probe waits for the database)",
    )
    retry_after_seconds: int = Field(
        5, ge=1, le=3600, description="Retry-After of a 503 (database unavailable); a 507 (disk full) says 12 times it"
    )
    min_free_disk_mb: int = Field(
        256, ge=0, description="Readiness fails when the disk of the database or of HUB_VAR_DIR has less free (MiB)"
    )
    signature_window_seconds: int = Field(300, ge=1, description="Allowed clock skew of `created`")
    queue_limit: int = Field(
        64,
        ge=1,
        le=10_000,
        description="Signed requests a worker holds waiting for a store thread; one more is answered 503 at once",
    )
    queue_wait_ms: int = Field(
        500,
        ge=1,
        le=60_000,
        description="A request that waited longer for a store thread is answered 503 instead of started",
    )
    header_timeout_seconds: int = Field(
        10, ge=1, le=300, description="A connection whose request head is not complete in this time is closed (408)"
    )
    body_timeout_seconds: int = Field(
        15, ge=1, le=300, description="A request whose body is not complete in this time is answered 408"
    )
    rate_limits: dict[str, RateLimit] = Field(
        default_factory=lambda: dict(DEFAULT_RATE_LIMITS),
        description="Requests per second and burst per key, by role, as JSON: "
        '`{"school": {"rate": 50, "burst": 500}}`; a role not named keeps its default',
    )
    metrics_networks: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Client networks that may read /metrics, as JSON (a reverse proxy must not pass /metrics on)",
    )
    log_format: LogFormat = Field("console", description="console or json")
    log_level: LogLevel = Field("INFO", description="DEBUG, INFO, WARNING, ERROR or CRITICAL (any case)")
    host: str = Field("127.0.0.1", description="Address `hub serve` binds to")
    port: int = Field(8000, ge=1, le=65535, description="Port `hub serve` binds to")

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, url: str) -> str:
        scheme = url.partition("://")[0].partition("+")[0]
        if not url.partition("://")[1] or scheme not in BACKENDS:
            raise ValueError("must start with sqlite:/// or postgresql://")
        return url

    @field_validator("rate_limits")
    @classmethod
    def _known_roles(cls, limits: dict[str, RateLimit]) -> dict[str, RateLimit]:
        unknown = sorted(set(limits) - set(DEFAULT_RATE_LIMITS))
        if unknown:
            raise ValueError(f"unknown role {', '.join(unknown)}: use {', '.join(DEFAULT_RATE_LIMITS)}")
        return {**DEFAULT_RATE_LIMITS, **limits}

    @field_validator("metrics_networks")
    @classmethod
    def _networks(cls, networks: list[str]) -> list[str]:
        for network in networks:
            try:
                ipaddress.ip_network(network)
            except ValueError:
                raise ValueError(f"{network!r} is not a network such as 10.0.0.0/8") from None
        return networks

    @field_validator("master_key")
    @classmethod
    def _thirty_two_bytes(cls, key: SecretStr | None) -> SecretStr | None:
        if key is None:
            return None
        try:
            raw = base64.b64decode(key.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("must be base64 (the value is not shown)") from None
        if len(raw) != 32:
            raise ValueError(f"must be 32 bytes, base64-encoded, not {len(raw)} (the value is not shown)")
        return key

    @model_validator(mode="wrap")
    @classmethod
    def _one_line_per_variable(cls, data: Any, handler: Any) -> Any:
        try:
            return handler(data)
        except ValidationError as e:
            raise SettingsError(describe(e)) from None

    @model_validator(mode="after")
    def _in_var_dir(self) -> Settings:
        """The file settings not given themselves live in HUB_VAR_DIR."""
        given = self.model_fields_set
        for name, filename in VAR_FILES.items():
            if name not in given:
                setattr(self, name, self.var_dir / filename)
        if "database_url" not in given:
            self.database_url = _sqlite_url(self.var_dir)
        return self

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, (_PASSWORD.sub(r"\1***@", value) if name == "database_url" else value)


def describe(error: ValidationError) -> str:
    """One line per bad variable: its HUB_* name and what it accepts (never the value of a secret)."""
    lines = []
    for problem in error.errors(include_url=False):
        field = str(problem["loc"][0]) if problem["loc"] else ""
        variable = PREFIX + field.upper() if field else "HUB_*"
        if problem["type"] == "literal_error":  # a closed choice: never a secret, so the value is shown
            allowed = str((problem.get("ctx") or {}).get("expected", "")).replace("'", "")
            lines.append(f"{variable}={problem['input']!r} is not allowed: use {allowed}")
        else:
            lines.append(f"{variable}: {problem['msg'].removeprefix('Value error, ')}")
    return "\n".join(dict.fromkeys(lines))
