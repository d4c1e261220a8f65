"""The matching service's use cases, one module per concept; they never commit (the boundary does)."""
