"""The landlords service of the social housing agency."""
