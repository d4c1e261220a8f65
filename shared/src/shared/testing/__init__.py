"""Pytest plugin and fixtures: real nats-server, throwaway databases, in-process app clients."""
