from docs_src.testing.app import COUNTER, app
from fastcore.testclient import TestClient


def test_increment() -> None:
    COUNTER["value"] = 0
    client = TestClient(app)
    assert client.post("/counter/increment", params={"by": 2}).json() == {"value": 2}
    assert client.post("/counter/increment").json() == {"value": 3}


def test_bad_step_is_422() -> None:
    client = TestClient(app)
    response = client.post("/counter/increment", params={"by": "two"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "by"]
