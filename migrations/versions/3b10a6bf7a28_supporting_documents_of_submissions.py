"""supporting documents of submissions (issue 7: PDF, XLSX, DOCX stored with the submission)

A new table only: no existing row changes, nothing to backfill; plain CREATE TABLE on
PostgreSQL and SQLite alike.

Revision ID: 3b10a6bf7a28
Revises: bc9ddc770fc9
Create Date: 2026-11-27 15:13:31.990105

"""
from alembic import op
import sqlalchemy as sa

import peerreview.db_types


# revision identifiers, used by Alembic.
revision = '3b10a6bf7a28'
down_revision = 'bc9ddc770fc9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submission_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('uploaded_at', peerreview.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_document_submission_id_submission')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_submission_document_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_document'))
    )
    with op.batch_alter_table('submission_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_document_submission_id'), ['submission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('submission_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_document_submission_id'))

    op.drop_table('submission_document')
