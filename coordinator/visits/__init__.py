"""Social services' yearly visit to each party school's staff meeting (APT): the school proposes, social services confirms."""
