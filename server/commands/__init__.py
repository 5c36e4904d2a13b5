"""One module per `trialpro-server` command group; each has register(subparsers)."""
