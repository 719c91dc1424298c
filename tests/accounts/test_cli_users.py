"""``flask users create``: operators make staff accounts from the command line."""

from __future__ import annotations

from tests.accounts.state import organisation_named, user_by_email, user_count
from tests.factories import UserFactory

PASSWORD = "coordinator passphrase"


def create_user(cli, *options: str):
    return cli("users", "create", *options, "--password", PASSWORD)


def test_creates_a_coordinator_who_can_log_in(cli, client):
    result = create_user(
        cli, "--role", "coordinator", "--email", "Zhou@Example.com", "--name", "周书记"
    )

    assert result.exit_code == 0, result.output
    stored = user_by_email("zhou@example.com")
    assert stored is not None
    assert stored.role == "coordinator"
    assert stored.display_name == "周书记"
    assert stored.password_hash.startswith("$argon2id$")
    assert f"#{stored.id}" in result.output
    login = client.login("zhou@example.com", PASSWORD)
    assert login.status_code == 200, login.json
    assert login.json["user"]["role"] == "coordinator"


def test_creates_an_admin_with_a_phone_number_only(cli, client):
    result = create_user(cli, "--role", "admin", "--phone", "+86 138-0000-0001", "--name", "管理员")

    assert result.exit_code == 0, result.output
    login = client.login("13800000001", PASSWORD)
    assert login.status_code == 200, login.json
    assert login.json["user"]["role"] == "admin"


def test_creates_a_merchant_with_its_organisation(cli):
    result = create_user(
        cli,
        "--role", "merchant",
        "--email", "shop@example.com",
        "--name", "张老板",
        "--organisation", "清溪五金店",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    stored = user_by_email("shop@example.com")
    assert stored.role == "merchant"
    assert stored.organisation_id == organisation_named("清溪五金店").id


def assert_refused(result, *words: str) -> None:
    """A non-zero exit and one line that says what is wrong."""
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    for word in words:
        assert word in lines[0]


def test_invalid_email_is_refused_in_one_line(cli):
    before = user_count()

    result = create_user(cli, "--role", "coordinator", "--email", "not-an-address", "--name", "周")

    assert_refused(result, "email")
    assert user_count() == before


def test_account_without_email_or_phone_is_refused(cli):
    before = user_count()

    result = create_user(cli, "--role", "coordinator", "--name", "周")

    assert_refused(result, "email")
    assert user_count() == before


def test_short_password_is_refused(cli):
    result = cli(
        "users", "create", "--email", "weak@example.com", "--name", "周", "--password", "short"
    )

    assert_refused(result, "password")
    assert user_by_email("weak@example.com") is None


def test_merchant_without_organisation_is_refused(cli):
    result = create_user(cli, "--role", "merchant", "--email", "shop@example.com", "--name", "张")

    assert_refused(result, "organisation")
    assert user_by_email("shop@example.com") is None


def test_email_already_registered_is_refused(cli):
    existing = UserFactory(email="taken@example.com", role="resident")

    result = create_user(cli, "--role", "admin", "--email", "TAKEN@example.com", "--name", "冒名")

    assert_refused(result, "already registered")
    assert user_by_email("taken@example.com").id == existing.id
    assert user_by_email("taken@example.com").role == "resident"


def test_unknown_role_is_refused(cli):
    result = create_user(cli, "--role", "superuser", "--email", "x@example.com", "--name", "周")

    assert result.exit_code != 0
    assert "superuser" in result.output
    assert user_by_email("x@example.com") is None


def test_only_merchants_are_created_with_an_organisation(cli):
    result = create_user(
        cli,
        "--role",
        "coordinator",
        "--email",
        "x@example.com",
        "--name",
        "某人",
        "--organisation",
        "某公司",
    )

    assert result.exit_code != 0
    assert "organisation_name" in result.output
    assert user_count() == 0
