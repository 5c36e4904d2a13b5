"""The trialpro server: sync API, admin API and pages, storage on SQLite or PostgreSQL, exports."""
