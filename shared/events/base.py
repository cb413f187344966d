"""What an event payload is, once, for every service.

Each payload is a pydantic model declared with its CloudEvents type, which is
also its routing key: ``<service>.<aggregate>.<event>.v<major>``. Declaring the
class registers it in ``CATALOGUE``; the catalogue is the single source of
truth for the JSON Schemas and the AsyncAPI document. A catalogue of examples
(a test's) passes ``catalogue=`` a dictionary of its own, and stays out of the
published documents.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

EVENT_TYPE = re.compile(r"^[a-z]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")

CATALOGUE: dict[str, type[EventData]] = {}


class EventData(BaseModel):
    """A thin payload: ids, codes, amounts and dates. Never personal data."""

    # Consumers ignore fields they do not know: within a major version only
    # additive changes are made.
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    aggregate: ClassVar[str]
    # The type without its version (``wards.ward.registered``) and the major version (1).
    family: ClassVar[str]
    version: ClassVar[int]

    def __init_subclass__(
        cls, event_type: str = "", catalogue: dict[str, type[EventData]] | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if not event_type:
            return
        if not EVENT_TYPE.match(event_type):
            raise ValueError(f"{event_type!r} is not <service>.<aggregate>.<event>.v<major>")
        registry = CATALOGUE if catalogue is None else catalogue
        if event_type in registry:
            raise ValueError(f"{event_type} is declared twice")
        cls.event_type = event_type
        cls.aggregate = event_type.split(".")[1]
        cls.family, version = event_type.rsplit(".v", 1)
        cls.version = int(version)
        registry[event_type] = cls

    @classmethod
    def service(cls) -> str:
        return cls.event_type.split(".", 1)[0]


def model_for(event_type: str) -> type[EventData]:
    # Importing the catalogue module registers every event type.
    import shared.events.catalogue  # noqa: F401

    try:
        return CATALOGUE[event_type]
    except KeyError:
        raise LookupError(f"unknown event type {event_type!r}") from None
