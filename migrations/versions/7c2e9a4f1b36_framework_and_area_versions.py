"""framework and excellence area versions: their edit pages refuse a stale edit (no lost update)

Revision ID: 7c2e9a4f1b36
Revises: 5e3a7c1d9b20
Create Date: 2026-11-27 22:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '7c2e9a4f1b36'
down_revision = '5e3a7c1d9b20'
branch_labels = None
depends_on = None


def upgrade():
    for table in ("framework", "excellence_area"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    for table in ("excellence_area", "framework"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("version")
