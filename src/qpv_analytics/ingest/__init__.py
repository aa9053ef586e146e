"""Ingestion: partner tables, context files, reference data and demo data."""
