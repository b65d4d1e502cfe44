"""Pipeline figures (issue 17): funnel, sources, per-role figures, leaderboard."""
