"""The project's pytest plugin: real nats-server, throwaway databases, in-process app clients."""

from shared.testing.cluster import nats_cluster
from shared.testing.databases import database_urls, postgres_databases
from shared.testing.nats import clean_streams, jetstream_ops, nats_server
from shared.testing.services import dev_keys, start_service

__all__ = [
    "clean_streams",
    "database_urls",
    "dev_keys",
    "jetstream_ops",
    "nats_cluster",
    "nats_server",
    "postgres_databases",
    "start_service",
]
