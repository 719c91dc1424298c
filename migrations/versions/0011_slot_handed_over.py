"""slot places handed over

A skill offer closes, as a donation does, once everything it offered was handed over: every
place of every slot. Slots count the places whose claimants came (``handed_over``, within
``booked``), filled here from the claims handed over so far. Listings that the rule closes are
closed here too: skill offers whose every place was handed over, and offers counted in units
that expired before their last units were handed over. Each gets a search outbox row, so the
indexes see the new status.

Revision ID: 0011_slot_handed_over
Revises: 0010_reservation_indexes
Create Date: 2026-12-01 02:46:36.857514

"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

import marketplace.db


# revision identifiers, used by Alembic.
revision = "0011_slot_handed_over"
down_revision = "0010_reservation_indexes"
branch_labels = None
depends_on = None

# Claims whose places were handed over: picked up, and what follows a pick-up.
HANDED_OVER = ("picked_up", "returned", "completed")

slots = sa.table(
    "listing_slots",
    sa.column("id", sa.Integer),
    sa.column("listing_id", sa.Integer),
    sa.column("capacity", sa.Integer),
    sa.column("booked", sa.Integer),
    sa.column("handed_over", sa.Integer),
)
reservations = sa.table(
    "reservations",
    sa.column("slot_id", sa.Integer),
    sa.column("quantity", sa.Integer),
    sa.column("status", sa.String),
)
listings = sa.table(
    "listings",
    sa.column("id", sa.Integer),
    sa.column("side", sa.String),
    sa.column("kind", sa.String),
    sa.column("mode", sa.String),
    sa.column("status", sa.String),
    sa.column("quantity", sa.Integer),
    sa.column("units_handed_over", sa.Integer),
)
search_outbox = sa.table(
    "search_outbox",
    sa.column("listing_id", sa.Integer),
    sa.column("created_at", marketplace.db.UTCDateTime(timezone=True)),
)


def upgrade():
    with op.batch_alter_table("listing_slots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("handed_over", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_check_constraint(
            "handed_over_within_booked", "handed_over >= 0 AND handed_over <= booked"
        )
    _count_places_handed_over()
    _close_what_was_all_handed_over()


def _count_places_handed_over():
    handed_over = (
        sa.select(sa.func.coalesce(sa.func.sum(reservations.c.quantity), 0))
        .where(
            reservations.c.slot_id == slots.c.id,
            reservations.c.status.in_(HANDED_OVER),
        )
        .scalar_subquery()
    )
    # Never past the places booked (the CHECK), should the two ever disagree.
    within_booked = sa.case((handed_over > slots.c.booked, slots.c.booked), else_=handed_over)
    op.execute(slots.update().values(handed_over=within_booked))


def _close_what_was_all_handed_over():
    of_listing = slots.c.listing_id == listings.c.id
    skill_all_handed_over = sa.and_(
        listings.c.side == "offer",
        listings.c.kind == "skill",
        listings.c.status.in_(("open", "fully_reserved", "expired")),
        sa.exists().where(of_listing),
        ~sa.exists().where(of_listing, slots.c.handed_over < slots.c.capacity),
    )
    units_all_handed_over = sa.and_(
        listings.c.side == "offer",
        sa.or_(
            listings.c.kind == "donation",
            sa.and_(listings.c.kind == "item", listings.c.mode == "give"),
        ),
        listings.c.status == "expired",
        listings.c.quantity.is_not(None),
        listings.c.units_handed_over >= listings.c.quantity,
    )
    bind = op.get_bind()
    closing = (
        bind.execute(
            sa.select(listings.c.id).where(sa.or_(skill_all_handed_over, units_all_handed_over))
        )
        .scalars()
        .all()
    )
    if not closing:
        return
    bind.execute(listings.update().where(listings.c.id.in_(closing)).values(status="closed"))
    now = datetime.now(UTC)
    bind.execute(
        search_outbox.insert(),
        [{"listing_id": listing_id, "created_at": now} for listing_id in closing],
    )


def downgrade():
    with op.batch_alter_table("listing_slots", schema=None) as batch_op:
        batch_op.drop_constraint("handed_over_within_booked", type_="check")
        batch_op.drop_column("handed_over")
