"""The things an assessment is made of, as typed data: errors, phases, run results, the plan,
the audit trail and the assessment itself. No I/O, no experta; every other layer builds on it."""
