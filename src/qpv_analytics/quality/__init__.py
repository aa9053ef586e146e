"""Quality gate: findings model, Great Expectations suites, results and pages."""
