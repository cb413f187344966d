"""The event catalogue: one pydantic model per event type, grouped by owning service.

Payloads are thin — ids, codes, amounts in integer pence, dates — and carry no
personal data; a partner fetches details through the API it may call. Within a
major version only additive changes are allowed; a breaking change is a new
``.v<N+1>`` class published alongside the old one for a deprecation window.
"""

from shared.events.catalogue import actions, grants, notifications, wards

__all__ = ["actions", "grants", "notifications", "wards"]
