from __future__ import annotations

from litestar.testing import TestClient

from tests.support import ok, seed_world


def test_a_seeded_world_lists_each_enterprise_with_its_counts(client: TestClient) -> None:
    world = seed_world(client)
    body = ok(client.get("/api/enterprises", headers=world.token(world.root)))
    counts = {e["name"]: (e["user_count"], e["department_count"]) for e in body["enterprises"]}
    assert counts == {"Acme": (4, 2), "Globex": (4, 2)}
    assert body["pagination"] == {
        "current_page": 1, "total_pages": 1, "total_items": 2, "items_per_page": 10,
    }
