"""cycle illustrative_data flag

Reports printed "illustrative figures" on every cycle; now only a cycle that says so.
Existing cycles made by the demo seed (their theme carries the demo's notice) are marked
illustrative; every other existing cycle is taken as real.

Revision ID: bc9ddc770fc9
Revises: 8c7d051fda92
Create Date: 2026-11-27 15:24:07.045793

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bc9ddc770fc9'
down_revision = '8c7d051fda92'
branch_labels = None
depends_on = None

DEMO_NOTICE = "Illustrative demo figures, not official statistics."


def upgrade():
    # sa.false() renders as false on PostgreSQL and 0 on SQLite (a literal 0 fails on a boolean in PostgreSQL).
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('illustrative_data', sa.Boolean(), server_default=sa.false(), nullable=False))
    cycle = sa.table('cycle', sa.column('theme', sa.Text), sa.column('illustrative_data', sa.Boolean))
    op.execute(cycle.update().where(cycle.c.theme.contains(DEMO_NOTICE)).values(illustrative_data=True))


def downgrade():
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('illustrative_data')
