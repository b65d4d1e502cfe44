"""Retention as code: what the worker's timer deletes so that no table grows forever by accident."""
