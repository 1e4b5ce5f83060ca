"""Settings from the environment (pydantic-settings).

    DATABASE_URL                  SQLAlchemy URL; default: a SQLite file in <root>/data/
    DISCLOSURE_API_KEYS           comma-separated keys that may write (and read) over HTTP (none:
                                  writes refused); an entry `sha256:<hex>` is the SHA-256 of a key;
                                  `label=KEY` / `label=sha256:<hex>` names who holds it (a label is
                                  1-64 of A-Z a-z 0-9 _ . @ -, a letter or digit first): corrections
                                  are signed with it; an entry without one is labelled `key-` and
                                  the first 8 hex digits of the key's SHA-256 (key_label)
    DISCLOSURE_READ_KEYS          comma-separated keys that may only read (same forms)
    DISCLOSURE_READS_REQUIRE_KEY  true: reads need a key too (default false: reads are public)
    DISCLOSURE_MAX_BODY_BYTES     largest accepted request body, and fetched document (default 10 MB)
    DISCLOSURE_FETCH_ALLOW        comma-separated hosts, addresses and networks a fetch may reach
                                  although they are loopback/private (tests, intranets), each with
                                  a port or not (every port): `intranet.example:8080`, `10.1.0.0/16`,
                                  `10.1.2.3:80`, `[fd00::1]:8080` (app/services/fetch.parse_allow_entry);
                                  a malformed entry stops the start; default: none
    DISCLOSURE_FETCH_TIMEOUT      seconds for each connect/read of a fetch (default 20)
    DISCLOSURE_FETCH_MAX_REDIRECTS  redirects a fetch follows (default 5)
    DISCLOSURE_LOG_FORMAT         json (default: one JSON object per line) or text
    DISCLOSURE_VIEW_CACHE_MB      memory per worker for report views served from memory (default 32;
                                  0: off; app/api/viewcache.py)
    DISCLOSURE_PARSE_PROCESSES    processes each worker parses in (0: a thread; default one with 2+ cores)
    DISCLOSURE_PARSE_BUDGET       seconds a parse may take (default 5): past it the report is stored as
                                  failed with the finding parse_budget_exceeded (app/parsing/budget.py)
    DISCLOSURE_PARSE_TIMEOUT      seconds after which a parse process is killed, should the budget not
                                  stop it (default 30; more than the budget): 422 parse_timeout, nothing
                                  stored (app/services/parsepool.py; a thread cannot be stopped this way)
    DISCLOSURE_READ_CONCURRENCY   database reads a worker runs at once, each in a thread with its own
                                  pooled connection (default 4; app/db.py ReadGate)
    DISCLOSURE_QUEUE_TIMEOUT      longest a read waits for its turn; longer (or expected longer): 503
                                  with Retry-After (default 2 s)
    DISCLOSURE_MAX_CONNECTIONS    open connections per worker; beyond: 503 (probes still answered)
    DISCLOSURE_HEADER_TIMEOUT     seconds a client has to send a request's line and headers (10)
    DISCLOSURE_BODY_TIMEOUT       seconds without a byte of a body the server is reading (20)
    DISCLOSURE_KEEPALIVE_TIMEOUT  seconds an idle keep-alive connection is kept (5)
    DISCLOSURE_MAX_URL_BYTES      longest request target (default 8192; longer: 414)
    DISCLOSURE_MAX_HEADER_BYTES   largest request line and headers together (default 32768; larger: 431)
                                  (the last six: `disclosure serve`'s HTTP layer, app/server.py)

<root> is the source checkout when the package runs from one (editable install), else the
current working directory.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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
    # hide_input_in_errors: a malformed setting is named, its value (maybe a key) never echoed
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", hide_input_in_errors=True)

    database_url: str = Field("", repr=False)  # may carry a password
    disclosure_api_keys: SecretStr = SecretStr("")
    disclosure_read_keys: SecretStr = SecretStr("")
    disclosure_reads_require_key: bool = False
    disclosure_max_body_bytes: int = 10 * 1024 * 1024
    disclosure_cors_origins: str = "*"  # comma-separated origins that may read cross-origin
    disclosure_fetch_allow: str = ""
    disclosure_fetch_timeout: float = Field(20.0, gt=0)
    disclosure_fetch_max_redirects: int = Field(5, ge=0, le=20)
    disclosure_log_format: Literal["json", "text"] = "json"
    disclosure_view_cache_mb: int = Field(32, ge=0)  # report views kept in memory per worker (0: none)
    # processes each worker parses submitted reports in (0: a thread of the worker; unset: one
    # when the machine has a second core), app/services/parsepool.py
    disclosure_parse_processes: int | None = Field(None, ge=0, le=64)
    disclosure_parse_budget: float = Field(5.0, gt=0, le=600)  # seconds (app/parsing/budget.py)
    disclosure_parse_timeout: float = Field(30.0, gt=0, le=3600)  # seconds (app/services/parsepool.py)
    # load: database reads at once per worker and the longest wait for one (app/db.py ReadGate)
    disclosure_read_concurrency: int = Field(4, ge=1, le=64)
    disclosure_queue_timeout: float = Field(2.0, gt=0, le=60)
    # the HTTP layer of `disclosure serve` (app/server.py)
    disclosure_max_connections: int = Field(2048, ge=1)
    disclosure_header_timeout: float = Field(10.0, gt=0)
    disclosure_body_timeout: float = Field(20.0, gt=0)
    disclosure_keepalive_timeout: int = Field(5, ge=1)
    disclosure_max_url_bytes: int = Field(8192, ge=256)
    disclosure_max_header_bytes: int = Field(32768, ge=1024)

    @field_validator("disclosure_api_keys", "disclosure_read_keys")
    @classmethod
    def _hashed_keys_are_well_formed(cls, value: SecretStr) -> SecretStr:
        for labelled in _entries(value.get_secret_value()):
            entry = split_label(labelled)[1]
            if entry.lower().startswith("sha256:") and not _SHA256_HEX.fullmatch(entry[7:]):
                raise ValueError("a hashed key is 'sha256:' followed by 64 hex digits")  # the entry not echoed
        return value

    @field_validator("disclosure_fetch_allow")
    @classmethod
    def _fetch_allow_is_well_formed(cls, value: str) -> str:
        from app.services.fetch import AllowList  # the grammar lives with the guard that uses it

        try:
            AllowList(_entries(value))
        except ValueError as exc:
            raise ValueError(f"DISCLOSURE_FETCH_ALLOW: {exc} (entries: host[:port], a.b.c.d[/len][:port], "
                             "[IPv6[/len]][:port], comma-separated)") from None
        return value
    @model_validator(mode="after")
    def _timeout_after_budget(self) -> "Settings":
        if self.disclosure_parse_timeout <= self.disclosure_parse_budget:
            raise ValueError("DISCLOSURE_PARSE_TIMEOUT must be more than DISCLOSURE_PARSE_BUDGET: the budget ends "
                             "a parse with a finding, the timeout kills what the budget could not stop")
        return self

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
        """The configured write keys, as given (plain, or `sha256:<hex>`), their labels taken off."""
        return tuple(split_label(e)[1] for e in _entries(self.disclosure_api_keys.get_secret_value()))

    @property
    def write_key_digests(self) -> tuple[bytes, ...]:
        """SHA-256 digests of the keys that may write: what a presented key's digest is
        compared with (in constant time, with every one of them)."""
        return tuple(key_digest(k) for k in self.api_keys)

    @property
    def write_key_labels(self) -> tuple[str, ...]:
        """Who holds each write key, in the order of write_key_digests (key_label)."""
        return tuple(key_label(e) for e in _entries(self.disclosure_api_keys.get_secret_value()))

    @property
    def read_key_digests(self) -> tuple[bytes, ...]:
        """Digests of the keys that may read: the read keys and the write keys."""
        return tuple(key_digest(split_label(k)[1]) for k in _entries(self.disclosure_read_keys.get_secret_value())) \
            + self.write_key_digests

    @property
    def fetch_allow(self) -> tuple[str, ...]:
        return _entries(self.disclosure_fetch_allow)


_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


def _entries(joined: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in joined.split(",") if k.strip())


# `label=KEY`: the key part never starts with "=" (a plain base64 key ending in "==" stays a key)
_LABELLED = re.compile(r"([A-Za-z0-9][A-Za-z0-9_.@-]{0,63})=([^=].*)", re.DOTALL)


def split_label(entry: str) -> tuple[str | None, str]:
    """(label, key entry) of a configured entry: `ops=KEY` → ("ops", "KEY"); a plain key or
    `sha256:<hex>` → (None, entry)."""
    m = _LABELLED.fullmatch(entry)
    return (m.group(1), m.group(2)) if m else (None, entry)


def key_label(entry: str) -> str:
    """Who holds the key of a configured entry: its label, else `key-` and the first 8 hex
    digits of the key's SHA-256 (the same for a plain key and its `sha256:` entry). The
    key itself is never part of it."""
    label, key = split_label(entry)
    return label if label is not None else "key-" + key_digest(key).hex()[:8]


def key_digest(entry: str) -> bytes:
    """The SHA-256 digest a configured key entry stands for: `sha256:<hex>` as given,
    a plain key hashed. Create a hashed entry with
    `python3 -c 'import hashlib,sys; print("sha256:" + hashlib.sha256(sys.argv[1].encode()).hexdigest())' KEY`."""
    if entry.lower().startswith("sha256:"):
        return bytes.fromhex(entry[7:])
    return hashlib.sha256(entry.encode()).digest()


@lru_cache
def get_settings() -> Settings:
    return Settings()
