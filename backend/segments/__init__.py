"""Saved rule-based segments of accounts (issue 17)."""
