"""What a projection is: a name, its tables, and a handler per event topic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from projections.sql import Cursor

Handler = Callable[[Any, Cursor], None]


class Projection:
    """Subclasses list their DDL and map event classes to handler methods.

    A handler writes rows only through the cursor it is given, inside the same
    transaction as the projection's tracking record.
    """

    name: str = ""
    ddl: list[str] = []

    def handlers(self) -> dict[type, Handler]:
        raise NotImplementedError

    def topics(self) -> dict[str, Handler]:
        return {get_topic(cls): handler for cls, handler in self.handlers().items()}
