"""The organisation: municipality, districts, schools, units and the people who hold functions."""
