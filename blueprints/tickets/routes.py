"""routes of the tickets area (to be written)."""
