"""The notifications service of the social housing agency."""
