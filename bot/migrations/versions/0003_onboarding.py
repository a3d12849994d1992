"""Onboarding path: trainer codes, learners with their place in the path, answers, review cards.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "onboarding_assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("code", name="uq_onboarding_assignments_code"),
    )
    op.create_table(
        "onboarding_learners",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),  # "" when the learner has no trainer code
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_key", sa.String(160), nullable=False),
        sa.Column("position", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("code", "name_key", name="uq_onboarding_learners_code_name"),
    )
    op.create_index("ix_onboarding_learners_name_key", "onboarding_learners", ["name_key"])
    op.create_table(
        "onboarding_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("onboarding_learners.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("stage", sa.String(60), nullable=False),
        sa.Column("item_id", sa.String(120), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_onboarding_answers_learner", "onboarding_answers", ["learner_id"])
    op.create_table(
        "onboarding_review_cards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("onboarding_learners.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("item_id", sa.String(120), nullable=False),
        sa.Column("card", sa.JSON, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("right_in_a_row", sa.Integer, nullable=False),
        sa.Column("retired", sa.Boolean, nullable=False),
        sa.UniqueConstraint("learner_id", "item_id", name="uq_onboarding_review_cards_item"),
    )


def downgrade():
    op.drop_table("onboarding_review_cards")
    op.drop_index("ix_onboarding_answers_learner", table_name="onboarding_answers")
    op.drop_table("onboarding_answers")
    op.drop_index("ix_onboarding_learners_name_key", table_name="onboarding_learners")
    op.drop_table("onboarding_learners")
    op.drop_table("onboarding_assignments")
