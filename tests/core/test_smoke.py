from tests.factories import UserFactory


def test_login_and_me(client_as):
    user = UserFactory(email="a@example.com")
    client = client_as(user)
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 200
    assert response.json["user"]["email"] == "a@example.com"
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
