"""per-cell and per-area versions of values and narratives; the return reason and the acceptance of a submission

Revision ID: 1443ec31b27a
Revises: 04d2651c4acf
Create Date: 2026-11-27 15:10:14.877535

"""
from alembic import op
import sqlalchemy as sa

import peerreview.db_types


# revision identifiers, used by Alembic.
revision = '1443ec31b27a'
down_revision = '04d2651c4acf'
branch_labels = None
depends_on = None


def upgrade():
    # Every existing value and text starts at version 1 (the server default fills the rows in place).
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('narrative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    # No submission has a return reason yet: empty for every existing row.
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('returned_at', peerreview.db_types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('accepted_at', peerreview.db_types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('accepted_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_submission_accepted_by_id_user_account', 'user_account',
                                    ['accepted_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_constraint('fk_submission_accepted_by_id_user_account', type_='foreignkey')
        batch_op.drop_column('accepted_by_id')
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('returned_at')
        batch_op.drop_column('returned_reason')

    with op.batch_alter_table('narrative', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_column('version')

