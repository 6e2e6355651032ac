"""escalation timers say what they are for: an escalation rule, or a customer's answer

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 19:10:00.000000

The marker that a customer answered a request for information was an escalation timer named
as a rule, ``~answered``. It becomes a timer of kind ``answered`` with no rule; every other
timer is of kind ``rule``, and only those name one (a check holds it). A record has at most
one answer marker (a unique index over those rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ANSWERED = sa.text("kind = 'answered'")


def upgrade() -> None:
    with op.batch_alter_table("escalation_timers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), server_default="rule", nullable=False)
        )
        batch_op.alter_column("rule", existing_type=sa.String(length=100), nullable=True)
    op.execute(
        "UPDATE escalation_timers SET kind = 'answered', rule = NULL WHERE rule = '~answered'"
    )
    with op.batch_alter_table("escalation_timers", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=20), existing_nullable=False, server_default=None
        )
        batch_op.create_check_constraint("rules_are_named", "(kind = 'rule') = (rule IS NOT NULL)")
    op.create_index(
        "ix_escalation_timers_record_id_answered",
        "escalation_timers",
        ["record_id"],
        unique=True,
        sqlite_where=ANSWERED,
        postgresql_where=ANSWERED,
    )


def downgrade() -> None:
    op.drop_index("ix_escalation_timers_record_id_answered", table_name="escalation_timers")
    with op.batch_alter_table("escalation_timers", schema=None) as batch_op:
        batch_op.drop_constraint("rules_are_named", type_="check")
    op.execute("UPDATE escalation_timers SET rule = '~answered' WHERE kind = 'answered'")
    with op.batch_alter_table("escalation_timers", schema=None) as batch_op:
        batch_op.alter_column("rule", existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_column("kind")
