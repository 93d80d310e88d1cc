"""verbali: Zoom recordings of co-programming sessions to minutes."""
