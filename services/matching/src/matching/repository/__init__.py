"""All of the matching service's SQL, one module per concept."""
