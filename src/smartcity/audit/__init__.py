"""Who did what, when: an append-only audit log."""
