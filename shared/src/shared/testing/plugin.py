"""The project's pytest plugin: real nats-server, throwaway databases, in-process app clients."""
