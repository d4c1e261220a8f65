"""The landlords service's HTTP routes, one module per resource; each route is thin."""

from landlords.routes import internal, landlords, offers, units

ROUTERS = [landlords.router, units.router, offers.router, internal.router]
