"""Who may read whom: the scope rule of migration 0007 asked from Python (one query each)."""
