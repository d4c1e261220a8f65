"""The matching service of the social housing agency."""
