"""The registry service of the social housing agency."""
