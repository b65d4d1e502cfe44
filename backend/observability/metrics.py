"""Prometheus metrics (prometheus-client), exposed at GET /metrics.

- fieldsales_http_request_seconds{method, route, status}: request latency by route template;
- fieldsales_db_pool_connections{state}: the API's connection pool (in use, idle, max), read at scrape;
- fieldsales_job_queue_depth{entrypoint}: nightly jobs waiting in the queue, read at scrape;
- fieldsales_solver_queue_depth, fieldsales_solver_busy_processes: this process's solver pool;
- fieldsales_solve_seconds{kind}: time one solve took in a solver process;
- fieldsales_solver_refused_total: solves refused because the pool's queue was full;
- fieldsales_slow_queries_total: statements slower than FIELDSALES_SLOW_QUERY_MS.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "fieldsales_http_request_seconds",
    "HTTP request latency by route template.",
    ["method", "route", "status"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
POOL_CONNECTIONS = Gauge(
    "fieldsales_db_pool_connections", "Database pool connections by state.", ["state"], registry=REGISTRY
)
JOB_QUEUE_DEPTH = Gauge(
    "fieldsales_job_queue_depth", "Jobs queued and not yet picked, by entrypoint.", ["entrypoint"], registry=REGISTRY
)
SOLVER_QUEUE_DEPTH = Gauge("fieldsales_solver_queue_depth", "Solves waiting for a solver process.", registry=REGISTRY)
SOLVER_BUSY = Gauge("fieldsales_solver_busy_processes", "Solver processes solving now.", registry=REGISTRY)
SOLVE_SECONDS = Histogram(
    "fieldsales_solve_seconds",
    "Time of one solve in a solver process.",
    ["kind"],
    registry=REGISTRY,
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0),
)
SOLVER_REFUSED = Counter(
    "fieldsales_solver_refused", "Solves refused because the solver queue was full.", registry=REGISTRY
)
SLOW_QUERIES = Counter("fieldsales_slow_queries", "Statements slower than the slow-query threshold.", registry=REGISTRY)
