"""The supervisor console's page and built static assets (frontend/ builds into backend/web/static/)."""
