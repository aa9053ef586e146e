"""Quality gate: findings model, suites from the contract, GX runs, French findings, pages."""
