"""Users, organisations and the credentials that authenticate them."""

from __future__ import annotations

from datetime import datetime

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import clock
from marketplace.extensions import db

ROLES = ("resident", "merchant", "coordinator", "admin")
STAFF_ROLES = frozenset({"coordinator", "admin"})
USER_STATUSES = ("active", "suspended")
ORGANISATION_KINDS = ("merchant", "company", "social_organisation")


class Organisation(db.Model):
    """A merchant, company or social organisation; its members are users with role merchant."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default="merchant")
    verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    __table_args__ = (
        CheckConstraint(
            "kind IN ('merchant', 'company', 'social_organisation')", name="kind_known"
        ),
    )


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored NFKC-normalised and lower-cased, so uniqueness is case-insensitive.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(11), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20), default="resident")
    status: Mapped[str] = mapped_column(String(20), default="active")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    home_place_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="RESTRICT"), index=True
    )
    completed_exchanges: Mapped[int] = mapped_column(default=0)
    no_shows: Mapped[int] = mapped_column(default=0)
    late_returns: Mapped[int] = mapped_column(default=0)
    # The 益起来 points: the balance is the sum of the user's ledger, cached here and kept by
    # conditional updates so it never goes below zero; earned counts only what was earned.
    points_balance: Mapped[int] = mapped_column(default=0)
    points_earned: Mapped[int] = mapped_column(default=0)
    # Whether new listings that match this user's open listings are announced in the inbox.
    match_alerts: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    password_changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
        CheckConstraint(
            "role IN ('resident', 'merchant', 'coordinator', 'admin')", name="role_known"
        ),
        CheckConstraint("status IN ('active', 'suspended')", name="status_known"),
        CheckConstraint("points_balance >= 0", name="points_balance_not_negative"),
    )

    # Set by the login machinery: the key of the login session this request runs under.
    login_session_key = None  # str when set; deliberately not a mapped column

    def get_id(self) -> str | None:
        """What the cookie carries: the login session's key, not the user id."""
        return self.login_session_key

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_suspended(self) -> bool:
        return self.status == "suspended"

    @property
    def is_staff(self) -> bool:
        """Coordinators and admins: they moderate and manage places and users."""
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_write(self) -> bool:
        return self.is_active

    def in_organisation(self, organisation_id: int | None) -> bool:
        return organisation_id is not None and self.organisation_id == organisation_id


class AnonymousUser(AnonymousUserMixin):
    """The visitor who has not logged in: no role, no organisation, never staff."""

    id = None
    role = None
    organisation_id = None
    is_staff = False
    is_admin = False
    can_write = False

    def in_organisation(self, organisation_id: int | None) -> bool:
        return False


class LoginSession(db.Model):
    """One browser login; its cookie carries the key, so logout or a new password ends it."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A bearer token for an API client; only its hash is kept, the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, so that a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A failed login, counted per account and per client address for throttling."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_key: Mapped[str] = mapped_column(String(254))
    remote_addr: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (
        Index("ix_login_failures_login_key_failed_at", "login_key", "failed_at"),
        Index("ix_login_failures_remote_addr_failed_at", "remote_addr", "failed_at"),
    )
