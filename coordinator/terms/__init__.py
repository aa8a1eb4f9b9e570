"""School terms, their breaks and the Swedish holidays."""
