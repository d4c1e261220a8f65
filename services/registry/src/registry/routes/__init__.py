"""The registry's HTTP routes: thin, each parses, calls one service function and returns."""

from registry.routes import households, internal, privacy

routers = [households.router, privacy.router, internal.router]
