"""The matching service's HTTP routes: thin, each parses, calls one service function and returns."""

from matching.routes import household_page, internal, offers, pool, rounds

ROUTERS = [pool.router, rounds.router, offers.router, internal.router, household_page.router]
