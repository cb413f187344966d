"""The notifications HTTP API: ``/v1/partners``, ``/v1/subscriptions``, ``/v1/deliveries``, ``/v1/suppressions``.

One router per resource; the request and response bodies are in ``schemas``, who may
see what in ``access``. A broken domain rule answers as problem+json by itself
(``shared.problems``).
"""

from services.notifications.api import deliveries, partners, subscriptions, suppressions

routers = [partners.router, subscriptions.router, deliveries.router, suppressions.router]
