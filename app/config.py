"""Settings from the environment (pydantic-settings).

    DATABASE_URL               SQLAlchemy URL; default: a SQLite file in <root>/data/
    DISCLOSURE_API_KEYS        comma-separated keys that may write over HTTP (none: writes refused)
    DISCLOSURE_MAX_BODY_BYTES  largest accepted request body (default 10 MB)

<root> is the source checkout when the package runs from one (editable install), else the
current working directory.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The source checkout holding this package, or the working directory when installed."""
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout
    return Path.cwd()


def default_database_url() -> str:
    return f"sqlite:///{project_root() / 'data' / 'disclosure.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    database_url: str = ""
    disclosure_api_keys: str = ""
    disclosure_max_body_bytes: int = 10 * 1024 * 1024

    @property
    def db_url(self) -> str:
        """The URL to connect with: the default SQLite file when unset, and plain
        `postgresql://` URLs pointed at the psycopg (v3) driver we ship."""
        url = self.database_url.strip() or default_database_url()
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @property
    def api_keys(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.disclosure_api_keys.split(",") if k.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()
