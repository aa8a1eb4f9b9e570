"""UI translations: Swedish message ids, an English catalogue."""
