"""browse indexes hold public listings only

The two browse indexes began with (moderation, status). A public browse asks for two statuses,
and PostgreSQL cannot read an index's two ranges as one ordered list: at 100,000 listings it
sorted every public row for each page (20 ms). Partial indexes of the public listings,
(moderation, order column, id, filtered columns, status), give the page in order on both
databases. A third partial index holds only the filtered columns, for a browse's total: many
listings share each combination of values, and PostgreSQL stores equal keys once, so a count
reads a small index (PostgreSQL counted by reading the whole table before, 20 ms).

The review queue (pending listings, oldest first) used the old index's leading moderation
column; it gets a partial index of its own. A full index led by moderation would compete with
the browse indexes in SQLite's planner, which then picks it over them once ANALYZE has run.

Revision ID: 0009_public_browse_indexes
Revises: 0008_browse_indexes
Create Date: 2026-11-30 00:28:35.746946

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_public_browse_indexes'
down_revision = '0008_browse_indexes'
branch_labels = None
depends_on = None

FILTERED = ['side', 'kind', 'category', 'place_id']
PUBLIC = "moderation = 'approved' AND status IN ('open', 'fully_reserved')"
PENDING = "moderation = 'pending'"


def _create_partial_index(name, columns, where):
    op.create_index(
        name,
        'listings',
        columns,
        postgresql_where=sa.text(where),
        sqlite_where=sa.text(where),
    )


def upgrade():
    op.drop_index('ix_listings_public_browse', table_name='listings')
    op.drop_index('ix_listings_public_ending', table_name='listings')
    for name, order_column in (
        ('ix_listings_public_newest', 'created_at'),
        ('ix_listings_public_ending', 'expires_at'),
    ):
        _create_partial_index(
            name, ['moderation', order_column, 'id', *FILTERED, 'status'], PUBLIC
        )
    _create_partial_index(
        'ix_listings_public_filters', [*FILTERED, 'status', 'moderation'], PUBLIC
    )
    _create_partial_index('ix_listings_pending', ['created_at', 'id'], PENDING)


def downgrade():
    op.drop_index('ix_listings_pending', table_name='listings')
    op.drop_index('ix_listings_public_filters', table_name='listings')
    op.drop_index('ix_listings_public_ending', table_name='listings')
    op.drop_index('ix_listings_public_newest', table_name='listings')
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
