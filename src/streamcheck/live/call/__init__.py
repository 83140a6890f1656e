"""Live calls: `record` (one streaming call checked as it arrives, saved as a tape) and `smoke`
(one cheap call per target, a verdict class each). Empty on purpose: each command imports
only what it runs."""
