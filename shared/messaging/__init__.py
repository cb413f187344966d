"""Broker topology, the consumer runtime (inbox, retries, dead letters) and the outbox relay."""
