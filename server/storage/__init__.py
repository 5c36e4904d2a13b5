"""The server's storage layer: every SQL statement lives in this package, one query module per aggregate.

Services open a unit of work (``engine.reading`` or ``engine.writing``) and hand its connection to the query
functions here; nothing outside ``server/storage/`` builds SQL or names a table.
"""
