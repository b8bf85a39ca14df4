"""From a run of the rules to what it means: the plan and its session, the audit trail and its
clinician wording, the red-flag check during an interview, the rule catalogue."""
