"""The registry's use cases, by concept; they never commit (the boundary does)."""
