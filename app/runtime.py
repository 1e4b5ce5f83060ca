"""What a running app holds besides its settings and database: built in the lifespan (on the
event loop that serves), closed at its end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.config import Settings
from app.db import Database, HealthProbe, ReadGate


@dataclass
class Runtime:
    reads: ReadGate  # every database read of a request passes through it
    health: HealthProbe  # /healthz and /readyz, apart from the reads

    @classmethod
    def build(cls, settings: Settings, database: Database) -> Runtime:
        slots = database.read_slots or settings.disclosure_read_concurrency
        return cls(reads=ReadGate(slots, settings.disclosure_queue_timeout), health=HealthProbe(database))

    def close(self) -> None:
        self.health.close()


def runtime(app: Any) -> Runtime:
    """The app's Runtime (made here, on the running loop, when no lifespan built one: an app
    driven without its lifespan)."""
    built = getattr(app.state, "runtime", None)
    if built is None:
        built = app.state.runtime = Runtime.build(app.state.settings, app.state.db)
    return built
