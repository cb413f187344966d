"""Who may call what: the role aliases of the actions API, and the paging and as-at parameters it shares.

Officers (and admins) manage the plan; partners and forum members read it;
forum members and officers record the forum's reviews.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from shared.auth import Principal, require
from shared.http import PageParams, page_params

Officer = Annotated[Principal, Depends(require("officer"))]
Reader = Annotated[Principal, Depends(require("officer", "partner", "forum_member"))]
Reviewer = Annotated[Principal, Depends(require("officer", "forum_member"))]
Paging = Annotated[PageParams, Depends(page_params)]
AsOf = Annotated[date | None, Query(description="The date RAG is computed for (Europe/London); today when omitted.")]
