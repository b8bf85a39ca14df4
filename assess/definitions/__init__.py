"""What a clinic defines, loaded and checked: the questionnaire and battery, the typed rule
language, the knowledge base in rules/, the intake model built from them, and its JSON Schema."""
