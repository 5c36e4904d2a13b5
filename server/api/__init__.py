"""HTTP entry points: thin blueprints that parse input, call one service and return JSON."""
