"""value flags and explanations, comparability notes, indicator checks (issue 7)

Existing values keep their number, get no flag and no explanation; existing indicators
require the total of every reference year, are not additive and have no year-on-year
threshold. Downgrading deletes the values that have no number (flagged not available or
not applicable), as the older schema cannot hold them.

Revision ID: 1d0f4987b534
Revises: 3b10a6bf7a28
Create Date: 2026-11-27 17:15:11.509926

"""
from alembic import op
import sqlalchemy as sa

import peerreview.db_types


# revision identifiers, used by Alembic.
revision = '1d0f4987b534'
down_revision = '3b10a6bf7a28'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comparability_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', peerreview.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_comparability_note_indicator_id_indicator')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_comparability_note_submission_id_submission')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_comparability_note_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparability_note')),
    sa.UniqueConstraint('submission_id', 'indicator_id', name=op.f('uq_comparability_note_submission_id_indicator_id'))
    )
    with op.batch_alter_table('comparability_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comparability_note_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comparability_note_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required', sa.String(length=10), server_default='total', nullable=False))
        batch_op.add_column(sa.Column('additive', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('change_threshold', sa.Numeric(precision=10, scale=2), nullable=True))

    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('explanation', sa.Text(), server_default='', nullable=False))
        batch_op.alter_column('value',
               existing_type=sa.NUMERIC(precision=20, scale=6),
               nullable=True)



def downgrade():
    op.execute("DELETE FROM indicator_value WHERE value IS NULL")
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.alter_column('value',
               existing_type=sa.NUMERIC(precision=20, scale=6),
               nullable=False)
        batch_op.drop_column('explanation')
        batch_op.drop_column('flag')

    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_column('change_threshold')
        batch_op.drop_column('additive')
        batch_op.drop_column('required')

    with op.batch_alter_table('comparability_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comparability_note_submission_id'))
        batch_op.drop_index(batch_op.f('ix_comparability_note_indicator_id'))

    op.drop_table('comparability_note')
