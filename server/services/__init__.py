"""Server use cases: plain functions over a SQLAlchemy connection; no Flask here."""
