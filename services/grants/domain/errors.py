"""The refusals of the fund: every rule of grants that a command can break, one family.

Each is a ``shared.rules.RuleBroken``: ``title`` names the rule, ``facts`` say what was wrong,
``status`` what kind of refusal it is (422 the command is wrong, 409 the state forbids it, 404 no
such record for the caller, 403 not the caller's to change). The API answers each with a problem
document through the kernel's handler; no HTTP type is known here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.rules import NotFound, RuleBroken


class GrantsError(RuleBroken):
    """A rule of the fund was broken; ``facts`` name what was wrong for the caller (422 unless said)."""


class InvalidFund(GrantsError):
    title = "Invalid fund"


class InvalidApplication(GrantsError):
    title = "Invalid application"


class UnknownWards(InvalidApplication):
    title = "Unknown wards"

    def __init__(self, codes: Sequence[str], council: str) -> None:
        super().__init__(
            f"Ward(s) {', '.join(codes)} are not wards of council {council}.",
            unknown_ward_codes=list(codes),
        )


class InvalidScore(GrantsError):
    title = "Invalid score"


class InvalidOffer(GrantsError):
    title = "Invalid offer"


class IllegalTransition(GrantsError):
    status = 409  # the state of the fund or application forbids it
    """An action the current state does not allow."""

    title = "Illegal transition"

    def __init__(self, what: str, current: str, action: str) -> None:
        super().__init__(
            f"Cannot {action.replace('_', ' ')} the {what}: it is {current.replace('_', ' ')}.",
            current_state=current,
            attempted_action=action,
        )


class FundNotOpen(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Fund not open"

    def __init__(self, fund_id: str, status: str) -> None:
        super().__init__(
            f"Fund {fund_id} is {status}; applications are accepted only while it is open.", fund_status=status
        )


class Overcommitted(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Fund overcommitted"

    def __init__(self, requested: int, available: int) -> None:
        super().__init__(
            f"An award of {requested} pence exceeds the {available} pence still uncommitted in the fund.",
            requested_pence=requested,
            available_pence=available,
        )


class QuorumNotMet(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Quorum not met"

    def __init__(self, present: int, needed: int) -> None:
        super().__init__(
            f"{present} forum member(s) without a conflict of interest have scored; the panel needs {needed}.",
            scored=present,
            quorum=needed,
        )


class ConflictOfInterest(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Conflict of interest"


class InvalidReport(GrantsError):
    title = "Invalid monitoring report"


class FinalReportOutstanding(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Final report outstanding"

    def __init__(self, application_id: str) -> None:
        super().__init__(
            f"Grant {application_id} closes only once its final monitoring report has been accepted.",
            final_report_accepted=False,
        )


class NothingPaidYet(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Nothing paid yet"

    def __init__(self, application_id: str) -> None:
        super().__init__(
            f"No tranche of grant {application_id} has been paid: withdraw it to release the whole award.",
            amount_paid_pence=0,
        )


class AlreadyErased(GrantsError):
    status = 409  # the state of the fund or application forbids it
    title = "Personal data already erased"

    def __init__(self, application_id: str, erased_at: datetime) -> None:
        super().__init__(
            f"The personal data of application {application_id} was erased at {erased_at.isoformat()}.",
            erased_at=erased_at.isoformat(),
        )


class NotTheApplicant(GrantsError):
    """Only the applicant changes their own application; an officer may act for them."""

    status = 403
    title = "Forbidden"

    def __init__(self) -> None:
        super().__init__("Only the applicant or an officer may change this application.")


class _NotFoundHere(NotFound):
    """No such record for the caller, answered as grants always has: its own title and detail, no other member."""

    def __init__(self, kind: str, record_id: str, detail: str) -> None:
        super().__init__(kind, record_id)
        self.args = (detail,)
        self.detail = detail
        self.facts = {}


class FundNotFound(_NotFoundHere):
    """A draft fund is not yet published, and another council's fund is not the caller's: both look like none."""

    title = "Fund not found"

    def __init__(self, fund_id: str, council: str) -> None:
        super().__init__("fund", fund_id, f"No fund {fund_id} in council {council}.")


class ApplicationNotFound(_NotFoundHere):
    title = "Application not found"

    def __init__(self, application_id: str, council: str) -> None:
        super().__init__("application", application_id, f"No application {application_id} for you in {council}.")


class TrancheNotFound(_NotFoundHere):
    title = "Tranche not found"

    def __init__(self, application_id: str, sequence: int) -> None:
        super().__init__("tranche", str(sequence), f"Application {application_id} has no tranche {sequence}.")


class MonitoringReportNotFound(_NotFoundHere):
    title = "Monitoring report not found"

    def __init__(self, application_id: str, report_id: str) -> None:
        super().__init__(
            "monitoring report", report_id, f"Application {application_id} has no monitoring report {report_id}."
        )
