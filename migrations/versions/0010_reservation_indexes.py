"""reservations of a listing are indexed with their status

Every cancel, decline and expiry asks whether claims of the listing wait on its waitlist, and
promoting the waitlist, checking a loan's days and listing a listing's bookings ask for its
reservations in some statuses. The index on listing_id alone made each of these read every
reservation the listing ever had, so a popular listing's cancels grew slower with its history.
(listing_id, status) finds just the rows asked for and serves everything the old index did.

The index on claimant_id alone is dropped: (claimant_id, status) already serves every lookup
by claimant. Two indexes fewer to write on every new reservation and every change of status.

Revision ID: 0010_reservation_indexes
Revises: 0009_public_browse_indexes
Create Date: 2026-11-30 08:58:28.199874

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_reservation_indexes'
down_revision = '0009_public_browse_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_reservations_listing_id_status', 'reservations', ['listing_id', 'status']
    )
    op.drop_index('ix_reservations_listing_id', table_name='reservations')
    op.drop_index('ix_reservations_claimant_id', table_name='reservations')


def downgrade():
    op.create_index('ix_reservations_claimant_id', 'reservations', ['claimant_id'])
    op.create_index('ix_reservations_listing_id', 'reservations', ['listing_id'])
    op.drop_index('ix_reservations_listing_id_status', table_name='reservations')
