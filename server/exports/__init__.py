"""Exports built from stored data and the audit trail; each streams from the database."""
