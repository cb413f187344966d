"""A three-node RabbitMQ cluster on this machine, behind HAProxy, and what happens to Cohesion when a node dies."""
