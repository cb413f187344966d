"""Commands on funds and applications: one plain async function each, the unit of work an argument.

They raise the domain's rule errors only (``services.grants.domain.errors``); the API answers them.
One module per part of the model, as in ``domain/``: ``fund``, ``application``, ``assessment``,
``payments``, ``monitoring``; ``loading`` loads what they change, in the caller's council and under lock.
"""

from services.grants.handlers.application import (
    draft_application,
    erase_personal_data,
    revise_application,
    submit_application,
    withdraw_application,
)
from services.grants.handlers.assessment import (
    decide_application,
    declare_conflict,
    recommend_application,
    score_application,
    start_assessment,
)
from services.grants.handlers.fund import CANNOT_OPEN, close_fund, create_fund, open_and_close_funds, open_fund
from services.grants.handlers.loading import (
    PUBLISHED_FUNDS,
    PUBLISHED_READERS,
    STAFF_ROLES,
    change_application,
    ensure_may_change,
    load_application,
    load_fund,
    reads_published_only,
    sees_draft_funds,
    sees_every_application,
    wards_of_council,
)
from services.grants.handlers.monitoring import (
    REPORT_DUE,
    REPORT_OVERDUE,
    close_grant,
    raise_monitoring_notices,
    review_monitoring_report,
    start_monitoring,
    submit_monitoring_report,
)
from services.grants.handlers.payments import (
    accept_offer,
    approve_tranche,
    cancel_remaining_tranches,
    offer_grant,
    pay_tranche,
)

__all__ = [
    "CANNOT_OPEN",
    "PUBLISHED_FUNDS",
    "PUBLISHED_READERS",
    "REPORT_DUE",
    "REPORT_OVERDUE",
    "STAFF_ROLES",
    "accept_offer",
    "approve_tranche",
    "cancel_remaining_tranches",
    "change_application",
    "close_fund",
    "close_grant",
    "create_fund",
    "decide_application",
    "declare_conflict",
    "draft_application",
    "ensure_may_change",
    "erase_personal_data",
    "load_application",
    "load_fund",
    "offer_grant",
    "open_and_close_funds",
    "open_fund",
    "pay_tranche",
    "raise_monitoring_notices",
    "reads_published_only",
    "recommend_application",
    "review_monitoring_report",
    "revise_application",
    "score_application",
    "sees_draft_funds",
    "sees_every_application",
    "start_assessment",
    "start_monitoring",
    "submit_application",
    "submit_monitoring_report",
    "wards_of_council",
    "withdraw_application",
]
