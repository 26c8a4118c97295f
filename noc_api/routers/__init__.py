"""HTTP routers: parse input, call one service, map domain errors to HTTP."""
