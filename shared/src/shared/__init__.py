"""Common library of the social housing agency services; never run on its own."""
