"""The assessment store: clients, visits, intakes, assessments and PDFs in SQLite or
PostgreSQL, append-only (a correction is a new version), with migrations by Alembic."""
