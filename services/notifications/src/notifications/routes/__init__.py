"""The notifications service's HTTP routes: thin, each parses, calls one service function and returns."""

from notifications.routes import internal, messages, receipts

ROUTERS = [messages.router, receipts.router, internal.router]
