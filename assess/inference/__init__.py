"""From an intake to facts, and the forward-chaining run over them: the only code that imports
experta."""
