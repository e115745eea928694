"""Tickets: index of a client's tickets by status, covering the dashboard's counts

Revision ID: b8e2c41d7a90
Revises: 4f50a8b99eae
Create Date: 2026-12-04 07:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8e2c41d7a90'
down_revision = '4f50a8b99eae'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(
            'ix_ticket_client_id_status_last_message_at',
            [
                'client_id',
                'status',
                'last_message_at',
                'id',
                'last_staff_message_at',
                'client_seen_at',
            ],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_client_id_status_last_message_at')
