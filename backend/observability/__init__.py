"""Logs an operator can follow (JSON lines, a request or job id on every line) and Prometheus metrics.

Nothing here imports Litestar: the API, the job worker and the CLI share it.
"""
