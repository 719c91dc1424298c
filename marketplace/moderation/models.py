"""Reports from residents and the append-only audit log of staff (and automatic) actions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, event, text
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from marketplace import clock
from marketplace.extensions import db

if TYPE_CHECKING:
    from marketplace.accounts.models import User

REPORT_REASONS = ("spam", "prohibited", "fraud", "offensive", "unsafe", "other")
REPORT_OUTCOMES = ("dismissed", "actioned")


class Report(db.Model):
    """A user's report of a listing or of another user; one open report per reporter and target."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="RESTRICT"), index=True
    )
    reported_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    resolution_note: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (
        CheckConstraint("(listing_id IS NULL) <> (reported_user_id IS NULL)", name="one_target"),
        CheckConstraint("status IN ('open', 'resolved')", name="status_known"),
        CheckConstraint(
            "reason IN ('spam', 'prohibited', 'fraud', 'offensive', 'unsafe', 'other')",
            name="reason_known",
        ),
        Index(
            "uq_reports_open_listing_report",
            "reporter_id",
            "listing_id",
            unique=True,
            sqlite_where=text("status = 'open' AND listing_id IS NOT NULL"),
            postgresql_where=text("status = 'open' AND listing_id IS NOT NULL"),
        ),
        Index(
            "uq_reports_open_user_report",
            "reporter_id",
            "reported_user_id",
            unique=True,
            sqlite_where=text("status = 'open' AND reported_user_id IS NOT NULL"),
            postgresql_where=text("status = 'open' AND reported_user_id IS NOT NULL"),
        ),
    )

    @property
    def target_type(self) -> str:
        return "listing" if self.listing_id is not None else "user"

    @property
    def target_id(self) -> int:
        return self.listing_id if self.listing_id is not None else self.reported_user_id  # type: ignore[return-value]


class ModerationAction(db.Model):
    """One line of the audit log: who did what to which target, why, and when. Never changed."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None when the platform acted by itself (e.g. a listing hidden after three reports).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    actor: Mapped[User | None] = relationship(viewonly=True)

    __table_args__ = (Index("ix_moderation_actions_target", "target_type", "target_id"),)


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(ModerationAction, "before_update")
@event.listens_for(ModerationAction, "before_delete")
def _refuse_changes(*_args: Any) -> None:
    raise AuditLogIsAppendOnly("the audit log is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(execute_state: ORMExecuteState) -> None:
    """ORM UPDATE and DELETE statements skip the mapper events above; refuse them here."""
    if (execute_state.is_update or execute_state.is_delete) and any(
        mapper.class_ is ModerationAction for mapper in execute_state.all_mappers
    ):
        raise AuditLogIsAppendOnly("the audit log is append-only")
