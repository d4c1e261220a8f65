"""NATS JetStream messaging: stream declarations, connection, outbox relay and consumers."""
