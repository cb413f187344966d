"""notifications — getting events to partner organisations: partners, subscriptions and signed webhooks."""
