"""The landlords service's use cases, one module per concept; they never commit (the boundary does)."""
