"""Visit rules as pure functions: check-in verification, checklists and scoring, photo facts.

Imports neither `backend` nor Litestar nor asyncpg (import-linter contract): the API, jobs and
tests call the same rules.
"""
