"""A realistic demo installation: accounts and months of case histories, from a seed and a now."""
