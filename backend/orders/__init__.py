"""Orders taken in visits: pricing, statuses, ERP export and webhook, per-account history."""
