"""merge the CRM and delivery branches into one head

Revision ID: 0003_merge
Revises: 0002_crm, 0002_delivery
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

revision: str = '0003_merge'
down_revision: str | Sequence[str] | None = ('0002_crm', '0002_delivery')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
