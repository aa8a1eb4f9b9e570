"""Planning a term's meetings from the active agreement."""
