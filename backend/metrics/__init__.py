"""GET /metrics: Prometheus text exposition of backend.observability.metrics."""
