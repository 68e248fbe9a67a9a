"""Uniqueness held by the event store's optimistic concurrency, on real PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from application.commands import NewUser
from application.views import Page, UserFilter
from domain.errors import EmailAlreadyRegistered, SystemAdminAlreadyExists
from interfaces.container import build_container
from tests.conftest import settings_for

pytestmark = pytest.mark.postgres


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls at once; each result is a return value or the raised exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as error:  # noqa: BLE001
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_processes_registering_one_email_give_one_user_and_one_conflict(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = settings_for("postgres", tmp_path, request)
    # Two containers stand for two API processes on one database.
    first, second = build_container(settings), build_container(settings)
    try:
        root = first.identity.create_system_admin("Root", "root@x.test", "password-123")
        admin = first.identity.principal(root.id)
        enterprise = first.organisation.create_enterprise(admin, "Acme", None)
        calls = []
        for attempt in range(6):
            container = (first, second)[attempt % 2]
            email = ("Same@Example.test", "same@example.TEST")[attempt % 2]
            new = NewUser(full_name=f"Racer {attempt}", email=email, password="password-123",
                          enterprise_id=enterprise.id)
            calls.append(lambda c=container, n=new: c.identity.register(n))
        results = race(calls)
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1
        assert all(isinstance(r, EmailAlreadyRegistered) for r in losers), losers
        users = second.identity.list_users(admin, criteria=UserFilter(), page=Page(number=1, size=100))
        assert [u.email.lower() for u in users.items].count("same@example.test") == 1
    finally:
        first.close()
        second.close()


def test_only_one_of_several_concurrent_first_system_admins_wins(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = settings_for("postgres", tmp_path, request)
    first, second = build_container(settings), build_container(settings)
    try:
        calls = [
            (lambda c=c, i=i: c.identity.create_system_admin(f"Admin {i}", f"admin{i}@x.test", "password-123"))
            for i, c in enumerate([first, second, first, second])
        ]
        results = race(calls)
        winners = [r for r in results if not isinstance(r, Exception)]
        assert len(winners) == 1
        assert all(isinstance(r, SystemAdminAlreadyExists) for r in results if isinstance(r, Exception))
        admin = first.identity.principal(winners[0].id)
        everyone = first.identity.list_users(admin, criteria=UserFilter(), page=Page(number=1, size=100))
        # The losers' users were never half-written.
        assert [u.role for u in everyone.items] == ["systemAdmin"]
    finally:
        first.close()
        second.close()

