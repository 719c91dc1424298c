from tests.factories import UserFactory


def test_login_and_me(client_as):
    user = UserFactory(email="a@example.com")
    client = client_as(user)
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 200
    assert response.json["user"]["email"] == "a@example.com"
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_answers_are_utf8_json_with_keys_in_schema_order(client):
    from tests.factories import CommunityFactory

    place = CommunityFactory(name="清溪村")
    response = client.get(f"/api/v1/places/{place.id}")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "清溪村".encode() in response.data and b"\\u" not in response.data
    assert list(response.json)[:3] == ["id", "parent_id", "kind"]
