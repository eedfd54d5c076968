"""Every `HUB_*` setting in one place, read from the environment (or a `.env` file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The hub's configuration; docs/configuration.md lists the same fields."""

    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///./var/hub.sqlite",
        description="sqlite:///path or postgresql://user:pass@host:port/db",
    )
    var_dir: Path = Field(Path("./var"), description="Where local state and secrets live")
    master_key_file: Path = Field(Path("./var/master.key"), description="Master key (32 bytes)")
    master_key: str | None = Field(None, description="Master key as base64, instead of the file (for secret managers)")
    pepper_file: Path = Field(Path("./var/pepper.key"), description="Pseudonym pepper (32 bytes)")
    signing_key_file: Path = Field(
        Path("./var/hub-signing.key"), description="The hub's Ed25519 seed: receipts, tree heads"
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
    max_body_bytes: int = Field(256_000, description="Largest request body accepted")
    signature_window_seconds: int = Field(300, description="Allowed clock skew of `created`")
    log_format: str = Field("console", description="console or json")
    log_level: str = Field("INFO", description="Log level")
    host: str = Field("127.0.0.1", description="Address `hub serve` binds to")
    port: int = Field(8000, description="Port `hub serve` binds to")
