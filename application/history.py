"""Reading history: a roster's story, the audit log, a user's own history, and their exports.

Every reader goes through the policy first, then the same read-model queries: a page for
the API, a stream of every selected entry for exports (and the command line, which is an
operator's tool and reads with the log's whole scope).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from application import history_policy
from application.history_views import Entry, HistoryFilter, HistoryPage, HistoryScope
from application.principal import Principal
from application.views import Page


class AuditLog(Protocol):
    """The audit read model."""

    def roster_owner(self, roster_id: int) -> tuple[int, int] | None:
        """(enterprise id, department id) of a roster the log ever named, deleted ones too."""
        ...

    def page(self, scope: HistoryScope, criteria: HistoryFilter, page: Page) -> HistoryPage: ...

    def stream(self, scope: HistoryScope, criteria: HistoryFilter) -> Iterator[Entry]:
        """Every selected entry in log order, read a bounded chunk at a time."""
        ...


class HistoryService:
    def __init__(self, log: AuditLog) -> None:
        self._log = log

    # -- scopes: checked when asked, before any entry is read ------------------------------

    def roster_scope(self, principal: Principal, roster_id: int) -> HistoryScope:
        return history_policy.roster_scope(principal, roster_id, self._log.roster_owner(roster_id))

    def log_scope(self, principal: Principal) -> HistoryScope:
        return history_policy.log_scope(principal)

    def own_scope(self, principal: Principal) -> HistoryScope:
        return history_policy.own_scope(principal)

    # -- reads --------------------------------------------------------------------------

    def roster_history(self, principal: Principal, roster_id: int, criteria: HistoryFilter,
                       page: Page) -> HistoryPage:
        return self._log.page(self.roster_scope(principal, roster_id), criteria, page)

    def audit_log(self, principal: Principal, criteria: HistoryFilter, page: Page) -> HistoryPage:
        return self._log.page(self.log_scope(principal), criteria, page)

    def own_history(self, principal: Principal, criteria: HistoryFilter, page: Page) -> HistoryPage:
        return self._log.page(self.own_scope(principal), criteria, page)

    def page(self, scope: HistoryScope, criteria: HistoryFilter, page: Page) -> HistoryPage:
        return self._log.page(scope, criteria, page)

    def stream(self, scope: HistoryScope, criteria: HistoryFilter) -> Iterator[Entry]:
        """Every entry of a scope the caller obtained above (or an operator's own)."""
        return self._log.stream(scope, criteria)

    def roster_owner(self, roster_id: int) -> tuple[int, int] | None:
        return self._log.roster_owner(roster_id)
