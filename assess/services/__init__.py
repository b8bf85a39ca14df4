"""What the interfaces call: an intake to its assessment, to its PDF and JSON, and a folder of
intakes in worker processes."""
