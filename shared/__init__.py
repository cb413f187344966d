"""Cohesion's shared kernel: what every service truly shares.

The event envelope and catalogue, broker topology, the outbox and inbox,
database and telemetry set-up, auth and the HTTP conventions. Domain rules
never live here; they belong to the service that owns them.
"""
