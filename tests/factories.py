"""factory-boy factories for every model; they flush into the test's transaction, never commit."""

from __future__ import annotations

import hashlib
from typing import Any

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from marketplace.accounts.models import ApiToken, LoginFailure, LoginSession, Organisation, User
from marketplace.extensions import db
from marketplace.places.models import Place

PASSWORD = "correct horse battery"
# Hashed once with the suite's cheap argon2 parameters (the app verifies any argon2id hash).
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"清溪商户{n}")
    kind = "merchant"
    verified = False


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"resident{n}@example.com")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    password_hash = PASSWORD_HASH
    display_name = factory.Faker("name", locale="zh_CN")
    role = "resident"
    status = "active"


class MerchantFactory(UserFactory):
    role = "merchant"
    organisation = factory.SubFactory(OrganisationFactory)


class CoordinatorFactory(UserFactory):
    role = "coordinator"


class AdminFactory(UserFactory):
    role = "admin"


class PlaceFactory(BaseFactory):
    """A place; ``path`` and ``depth`` follow from the parent once the id is known."""

    class Meta:
        model = Place

    parent = None
    kind = "subdistrict"
    name = factory.Sequence(lambda n: f"地点{n}")

    @classmethod
    def _create(cls, model_class: type[Place], *args: Any, **kwargs: Any) -> Place:
        parent: Place | None = kwargs.pop("parent", None)
        place = model_class(*args, **kwargs)
        place.parent_id = parent.id if parent else None
        place.depth = parent.depth + 1 if parent else 0
        db.session.add(place)
        db.session.flush()
        place.path = f"{parent.path if parent else '/'}{place.id}/"
        db.session.flush()
        return place


class SubdistrictFactory(PlaceFactory):
    kind = "subdistrict"
    name = factory.Sequence(lambda n: f"雕庄街道{n}")


class CommunityFactory(PlaceFactory):
    kind = "community"
    parent = factory.SubFactory(SubdistrictFactory)
    name = factory.Sequence(lambda n: f"清溪村{n}")


class GridFactory(PlaceFactory):
    kind = "grid"
    parent = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")


class SpaceFactory(PlaceFactory):
    kind = "space"
    parent = factory.SubFactory(GridFactory)
    name = factory.Sequence(lambda n: f"健康广场{n}")


class ZoneFactory(PlaceFactory):
    kind = "zone"
    parent = factory.SubFactory(SpaceFactory)
    name = factory.Sequence(lambda n: f"功能区{n}")


class LoginSessionFactory(BaseFactory):
    class Meta:
        model = LoginSession

    user = factory.SubFactory(UserFactory)
    key_hash = factory.Sequence(lambda n: hashlib.sha256(f"session-{n}".encode()).hexdigest())


class ApiTokenFactory(BaseFactory):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "script"
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
    prefix = "mkt_test"


class LoginFailureFactory(BaseFactory):
    class Meta:
        model = LoginFailure

    login_key = "someone@example.com"
    remote_addr = "127.0.0.1"
