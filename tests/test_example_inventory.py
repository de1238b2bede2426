"""examples/inventory: the example service, on SQLite (a temp file per test) and, when DATABASE_URL
names a PostgreSQL database (``bash ci/postgres``), on PostgreSQL too."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("aiosqlite")

from examples.inventory import auth
from examples.inventory.db import drop_schema, make_engine
from examples.inventory.main import create_app
from fastcore.testclient import TestClient
from tests.serving import ROOT, serve

# --8<-- [start:fixtures]
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
if not POSTGRES_URL.startswith("postgresql+asyncpg://"):
    POSTGRES_URL = ""


def reset(url: str) -> None:
    async def drop() -> None:
        engine = make_engine(url)
        try:
            await drop_schema(engine)
        finally:
            await engine.dispose()

    asyncio.run(drop())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}"
    if not POSTGRES_URL:
        pytest.skip("DATABASE_URL names no PostgreSQL database (run: bash ci/postgres)")
    reset(POSTGRES_URL)  # every test starts from an empty database
    return POSTGRES_URL


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(database_url, create_tables=True)) as test_client:
        yield test_client
# --8<-- [end:fixtures]


def register(client: TestClient, username: str = "ann", password: str = "correct horse") -> dict[str, Any]:
    response = client.post("/users", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def login(client: TestClient, username: str = "ann", password: str = "correct horse") -> dict[str, str]:
    response = client.post("/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def user(client: TestClient, username: str = "ann") -> dict[str, str]:
    register(client, username)
    return login(client, username)


def add_item(client: TestClient, auth_headers: dict[str, str], sku: str, **fields: Any) -> dict[str, Any]:
    payload = {"sku": sku, "name": f"item {sku}", "price_cents": 250, "stock": 10, **fields}
    response = client.post("/items", json=payload, headers=auth_headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_register_and_conflicts(client: TestClient) -> None:
    body = register(client)
    assert body == {"id": body["id"], "username": "ann", "full_name": None}
    again = client.post("/users", json={"username": "ann", "password": "another one"})
    assert again.status_code == 409 and again.json() == {"detail": "username already taken"}
    bad = client.post("/users", json={"username": "A!", "password": "short"})
    assert bad.status_code == 422
    assert {tuple(error["loc"]) for error in bad.json()["detail"]} == {
        ("body", "username"), ("body", "password")
    }


def test_login_me_logout(client: TestClient) -> None:
    register(client)
    for username, password in (("ann", "wrong password"), ("bob", "correct horse")):
        failed = client.post("/token", data={"username": username, "password": password})
        assert failed.status_code == 401 and failed.headers["www-authenticate"] == "Bearer"
    assert client.post("/token", data={"username": "ann"}).status_code == 422
    headers = login(client)
    assert client.get("/users/me", headers=headers).json()["username"] == "ann"
    assert client.get("/users/me").status_code == 401
    forged = client.get("/users/me", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401 and forged.json() == {"detail": "Invalid or expired token"}
    assert client.post("/logout", headers=headers).status_code == 204
    assert client.get("/users/me", headers=headers).status_code == 401


def test_expired_tokens_are_refused(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    register(client)
    monkeypatch.setattr(auth, "TOKEN_LIFETIME", timedelta(seconds=-1))
    headers = login(client)
    assert client.get("/users/me", headers=headers).status_code == 401


def test_items_crud(client: TestClient) -> None:
    headers = user(client)
    payload = {"sku": "A-1", "name": "anvil", "price_cents": 1999, "stock": 3}
    assert client.post("/items", json=payload).status_code == 401
    item = add_item(client, headers, "A-1", name="anvil", price_cents=1999, stock=3)
    assert item == {"id": item["id"], **payload}
    assert client.post("/items", json=payload, headers=headers).status_code == 409
    assert client.get(f"/items/{item['id']}").json() == item
    assert client.get("/items/999999").status_code == 404
    assert client.get("/items/abc").status_code == 422

    other = add_item(client, headers, "B-2")
    changed = client.patch(f"/items/{item['id']}", json={"stock": 7, "name": "big anvil"}, headers=headers)
    assert changed.status_code == 200
    assert changed.json() == {**item, "stock": 7, "name": "big anvil"}
    clash = client.patch(f"/items/{other['id']}", json={"sku": "A-1"}, headers=headers)
    assert clash.status_code == 409
    assert client.patch(f"/items/{item['id']}", json={"stock": None}, headers=headers).status_code == 422
    assert client.patch(f"/items/{item['id']}", json={"stock": -1}, headers=headers).status_code == 422
    assert client.patch("/items/999999", json={"stock": 1}, headers=headers).status_code == 404

    assert client.delete(f"/items/{other['id']}").status_code == 401
    assert client.delete(f"/items/{other['id']}", headers=headers).status_code == 204
    assert client.get(f"/items/{other['id']}").status_code == 404
    assert client.delete(f"/items/{other['id']}", headers=headers).status_code == 404


def test_pagination_bounds_and_search(client: TestClient) -> None:
    headers = user(client)
    for n in range(25):
        add_item(client, headers, f"SKU-{n:02}", name=f"widget {n}" if n % 5 else f"100% gadget {n}")
    first = client.get("/items").json()
    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (25, 20, 0, 20)
    last = client.get("/items", params={"limit": 10, "offset": 20}).json()
    assert [item["sku"] for item in last["items"]] == [f"SKU-{n:02}" for n in range(20, 25)]
    beyond = client.get("/items", params={"offset": 100}).json()
    assert beyond["items"] == [] and beyond["total"] == 25
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}):
        assert client.get("/items", params=params).status_code == 422, params
    found = client.get("/items", params={"q": "GADGET"}).json()
    assert found["total"] == 5
    # % is a literal character in q, not a wildcard.
    assert client.get("/items", params={"q": "0% g"}).json()["total"] == 5
    assert client.get("/items", params={"q": "w%t"}).json()["total"] == 0


def test_orders(client: TestClient) -> None:
    ann = user(client, "ann")
    anvil = add_item(client, ann, "ANVIL", price_cents=1000, stock=5)
    rope = add_item(client, ann, "ROPE", price_cents=150, stock=2)
    order_body = {"lines": [{"item_id": rope["id"], "quantity": 1}, {"item_id": anvil["id"], "quantity": 2},
                            {"item_id": rope["id"], "quantity": 1}]}
    assert client.post("/orders", json=order_body).status_code == 401
    placed = client.post("/orders", json=order_body, headers=ann)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["lines"] == [
        {"item_id": anvil["id"], "quantity": 2, "unit_price_cents": 1000},
        {"item_id": rope["id"], "quantity": 2, "unit_price_cents": 150},
    ]
    assert order["total_cents"] == 2300 and order["created_at"].endswith(("Z", "+00:00"))
    assert client.get(f"/items/{anvil['id']}").json()["stock"] == 3
    assert client.get(f"/items/{rope['id']}").json()["stock"] == 0

    # Not enough rope: nothing is taken, not even the anvils of the same order.
    short = {"lines": [{"item_id": anvil["id"], "quantity": 1}, {"item_id": rope["id"], "quantity": 1}]}
    refused = client.post("/orders", json=short, headers=ann)
    assert refused.status_code == 409 and "not enough stock" in refused.json()["detail"]
    unknown = client.post("/orders", json={"lines": [{"item_id": anvil["id"], "quantity": 1},
                                                     {"item_id": 999999, "quantity": 1}]}, headers=ann)
    assert unknown.status_code == 404
    assert client.get(f"/items/{anvil['id']}").json()["stock"] == 3
    for bad in ({"lines": []}, {"lines": [{"item_id": anvil["id"], "quantity": 0}]}, {}):
        assert client.post("/orders", json=bad, headers=ann).status_code == 422, bad

    # An ordered item cannot be deleted (the foreign key holds on SQLite too).
    assert client.delete(f"/items/{anvil['id']}", headers=ann).status_code == 409
    assert client.get(f"/items/{anvil['id']}").status_code == 200

    second = client.post("/orders", json={"lines": [{"item_id": anvil["id"], "quantity": 1}]}, headers=ann)
    assert second.status_code == 201
    mine = client.get("/orders", headers=ann).json()
    assert mine["total"] == 2 and [o["id"] for o in mine["items"]] == [second.json()["id"], order["id"]]
    assert client.get("/orders", params={"limit": 1, "offset": 1}, headers=ann).json()["items"] == [order]
    assert client.get(f"/orders/{order['id']}", headers=ann).json() == order

    bob = user(client, "bob")
    assert client.get("/orders", headers=bob).json() == {"total": 0, "limit": 20, "offset": 0, "items": []}
    assert client.get(f"/orders/{order['id']}", headers=bob).status_code == 404
    assert client.get("/orders/999999", headers=ann).status_code == 404


def test_schema_command(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    for action in ("drop", "create"):
        done = subprocess.run([sys.executable, "-m", "examples.inventory.db", action], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    # The tables exist now: the app is served without creating them.
    with TestClient(create_app(database_url, create_tables=False)) as client:
        register(client)
        assert client.get("/items").json()["total"] == 0


def test_no_tables_without_the_schema_step(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    with TestClient(create_app(url, create_tables=False), raise_server_exceptions=False) as client:
        assert client.get("/items").status_code == 500


def test_served_by_the_readme_command(tmp_path: Path) -> None:
    # `fastcore run examples/inventory/main.py` on a fresh directory: SQLite file, tables on start.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "INVENTORY_CREATE_SCHEMA")}
    with serve(str(ROOT / "examples/inventory/main.py"), cwd=tmp_path, env=env) as url:
        request = urllib.request.Request(
            url + "/users", data=json.dumps({"username": "ann", "password": "correct horse"}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        form = urllib.parse.urlencode({"username": "ann", "password": "correct horse"}).encode()
        with urllib.request.urlopen(url + "/token", data=form, timeout=10) as response:
            token = json.loads(response.read())["access_token"]
        me = urllib.request.Request(url + "/users/me", headers={"authorization": f"Bearer {token}"})
        with urllib.request.urlopen(me, timeout=10) as response:
            assert json.loads(response.read())["username"] == "ann"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(url + "/items/1", timeout=10)
        with missing.value:  # the error holds the response (and its socket)
            assert missing.value.code == 404
    assert (tmp_path / "inventory.db").is_file()
