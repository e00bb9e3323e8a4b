"""Who may read an evidence file (佐证材料): the one rule for downloads and thumbnails.

It sits beside ``attachments`` rather than in it: nomination evidence follows the round's
rules, and ``assess.nominations.rounds`` itself stores files through ``attachments``.
"""

from __future__ import annotations

from assess.accounts.models import User
from assess.core.policy import REPORTER, STAFF, unit_visible
from assess.evidence.models import Evidence
from assess.nominations.rounds import evidence_readable


def can_read(user: User, evidence: Evidence) -> bool:
    """Self-report evidence: staff read all, a reporter only its own unit's, viewers none.
    Nomination evidence follows the round's rules (conflicts of interest included)."""
    if evidence.nomination_id is not None:
        return evidence_readable(user, evidence)
    if user.role == REPORTER:
        return unit_visible(user, evidence.unit_id)
    return user.role in STAFF
