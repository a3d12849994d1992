"""Trainer accounts (web app) and personal invites (one code per trainee).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trainers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),   # argon2id; NULL until set
        sa.Column("password_token_hash", sa.String(64), nullable=True),  # sha256 of a one-time link token
        sa.Column("password_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("email", name="uq_trainers_email"),
        sa.UniqueConstraint("password_token_hash", name="uq_trainers_password_token_hash"),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assignment_id", sa.Integer, sa.ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("trainee_name", sa.String(80), nullable=False),
        sa.Column("name_key", sa.String(160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("code", name="uq_invites_code"),
        sa.UniqueConstraint("assignment_id", "name_key", name="uq_invites_assignment_name"),
    )
    op.create_index("ix_invites_name_key", "invites", ["name_key"])


def downgrade():
    op.drop_index("ix_invites_name_key", table_name="invites")
    op.drop_table("invites")
    op.drop_table("trainers")
