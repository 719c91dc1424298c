"""The callers of the permission matrices, and clients acting as each of them.

The listing under test belongs to ``merchant_owner``, a merchant posting for their organisation,
so that a second merchant of the same organisation and one of another organisation differ.
A suspended user logged in (and made a token) before the suspension; neither works any more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from marketplace.extensions import db
from tests.factories import ApiTokenFactory, CoordinatorFactory, MerchantFactory, UserFactory

ACTORS = (
    "anonymous",
    "owner",
    "other_resident",
    "same_org_merchant",
    "other_org_merchant",
    "coordinator",
    "suspended",
)

TOKEN_SECRET = "mkt_suspended-users-token"


def suspend(user: Any) -> None:
    user.status = "suspended"
    db.session.flush()


def token_for(user: Any, secret: str = TOKEN_SECRET) -> str:
    """A bearer token of the user, made directly in the database; returns its secret."""
    ApiTokenFactory(user=user, token_hash=hashlib.sha256(secret.encode()).hexdigest())
    return secret


@pytest.fixture
def merchant_owner() -> Any:
    return MerchantFactory()


@pytest.fixture
def client_of(
    app: Flask, client_as: Callable[[Any], Any], merchant_owner: Any
) -> Callable[[str], Any]:
    """``client_of("coordinator")``: a client acting as one of ``ACTORS``."""

    def build(actor: str) -> Any:
        if actor == "anonymous":
            return app.test_client()
        if actor == "suspended":
            user = UserFactory()
            suspended_client = client_as(user)
            suspend(user)
            return suspended_client
        user = {
            "owner": lambda: merchant_owner,
            "other_resident": UserFactory,
            "same_org_merchant": lambda: MerchantFactory(organisation=merchant_owner.organisation),
            "other_org_merchant": MerchantFactory,
            "coordinator": CoordinatorFactory,
        }[actor]()
        return client_as(user)

    return build
