"""Use cases of the server: take plain arguments and a session, never an HTTP request."""
