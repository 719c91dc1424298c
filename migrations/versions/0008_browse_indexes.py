"""browse indexes cover the filters

Browsing public listings newest first or ending soonest first reads its page, and counts its
total, from an index that holds the order column, the id and every filtered column. At 100,000
listings a filtered count or an "ending soon" page had to read every public row of the table.

Revision ID: 0008_browse_indexes
Revises: 0007_outbox_position
Create Date: 2026-11-29 23:28:19.223773

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_browse_indexes'
down_revision = '0007_outbox_position'
branch_labels = None
depends_on = None

FILTERED = ['side', 'kind', 'category', 'place_id']


def upgrade():
    op.drop_index('ix_listings_public_browse', table_name='listings')
    op.create_index(
        'ix_listings_public_browse',
        'listings',
        ['moderation', 'status', 'created_at', 'id', *FILTERED],
    )
    op.create_index(
        'ix_listings_public_ending',
        'listings',
        ['moderation', 'status', 'expires_at', 'id', *FILTERED],
    )


def downgrade():
    op.drop_index('ix_listings_public_ending', table_name='listings')
    op.drop_index('ix_listings_public_browse', table_name='listings')
    op.create_index(
        'ix_listings_public_browse', 'listings', ['moderation', 'status', 'created_at']
    )
