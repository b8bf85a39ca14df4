"""Files in and out, knowing nothing clinical: bounded reads of intake documents, and outputs
checked before a run and written whole or not at all."""
