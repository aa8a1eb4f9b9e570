"""Collaboration agreements (samverkansöverenskommelser): versions, parties and meeting forms."""
