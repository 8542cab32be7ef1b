"""files in an S3-compatible object store (issue 11): file_key beside the bytes

Report PDFs (draft and published versions) and supporting documents keep their bytes in the row
(FILE_STORE=database, the default) or in an object store (FILE_STORE=s3), the row then naming the
object in file_key and leaving the bytes column empty (peerreview/files.py). Existing rows keep their
bytes and stay readable under either setting. Downgrading drops file_key: do it only while no row
names an object (FILE_STORE=database all along), or those files are lost to the app.

Revision ID: 5e3a7c1d9b20
Revises: 4e1a9c2d7b10
Create Date: 2026-11-27 21:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e3a7c1d9b20'
down_revision = '4e1a9c2d7b10'
branch_labels = None
depends_on = None

# (table, bytes column)
FILES = (("report", "pdf"), ("report_version", "pdf"), ("submission_document", "data"))


def upgrade():
    for table, column in FILES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('file_key', sa.String(length=200), nullable=True))
            if table != "report":  # report.pdf was nullable already
                batch_op.alter_column(column, existing_type=sa.LargeBinary(), nullable=True)


def downgrade():
    for table, column in FILES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table != "report":
                batch_op.alter_column(column, existing_type=sa.LargeBinary(), nullable=False)
            batch_op.drop_column('file_key')
