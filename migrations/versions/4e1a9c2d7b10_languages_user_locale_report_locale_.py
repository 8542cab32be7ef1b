"""languages: user locale, cycle report locale, per-language texts

A person's chosen language (none: the browser decides); the language of a cycle's reports; and a
JSON column `translations` on the texts the secretariat enters (indicators, excellence areas,
frameworks, cycles), {"fr": {"name": ...}, "es": {...}}.

Revision ID: 4e1a9c2d7b10
Revises: b8cdf5334e9b
Create Date: 2026-11-27 20:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4e1a9c2d7b10'
down_revision = 'b8cdf5334e9b'
branch_labels = None
depends_on = None

TRANSLATED = ('indicator', 'excellence_area', 'framework', 'cycle')


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_locale', sa.String(length=5), server_default='en', nullable=False))
    for table in TRANSLATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))


def downgrade():
    for table in reversed(TRANSLATED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('report_locale')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locale')
