"""Use cases of the complaint core: each takes a SQLAlchemy session and plain values, and commits nothing.

The caller (an HTTP route, a scheduler job, the NOC bridge) owns the transaction: it commits on success.
"""
