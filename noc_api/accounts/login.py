"""Logging in without giving attackers a lever: throttled per address and per user, locked after repeated wrong
passwords, the same answer and the same time for unknown users, and a bound on concurrent password checks
(argon2 takes 64 MiB and most of a core per check; unbounded, 40 parallel guesses took the server to 2.7 GB)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from noc_api.accounts.service import locked, record_login_failure
from noc_api.db import models as m
from noc_api.security import hash_password, verify_password

WRONG = "wrong username or password"


@dataclass(frozen=True)
class LoginOutcome:
    """What a login attempt gave: the user, or the HTTP status, message and Retry-After seconds of a refusal."""

    user: m.User | None
    status: int = 200
    detail: str = ""
    retry_after: int = 0


@dataclass
class LoginGuard:
    """Owned by the runtime (one per process); the lockout itself is kept in the users table for every process."""

    per_address: str = "30/5 minutes"
    per_user: str = "10/5 minutes"
    lock_after: int = 5  # wrong passwords in a row
    lock_seconds: int = 900
    concurrent_checks: int = 2
    check_wait_seconds: float = 10.0
    _limiter: MovingWindowRateLimiter = field(init=False)
    _address: RateLimitItem = field(init=False)
    _user: RateLimitItem = field(init=False)
    _failures: RateLimitItem = field(init=False)
    _checks: threading.BoundedSemaphore = field(init=False)
    _dummy: str | None = field(default=None, init=False)
    _dummy_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._address, self._user = parse(self.per_address), parse(self.per_user)
        self._failures = parse(f"{self.lock_after}/{self.lock_seconds} seconds")
        self._checks = threading.BoundedSemaphore(self.concurrent_checks)

    def login(self, session: Session, username: str, password: str, address: str, now: datetime) -> LoginOutcome:
        """Check the credentials; the caller commits (failure counts are kept) before answering."""
        name = username.strip().lower()
        if not self._limiter.hit(self._address, "address", address):
            return LoginOutcome(None, 429, "too many login attempts from this address; try again later", 300)
        if not self._limiter.hit(self._user, "user", name):
            return LoginOutcome(None, 429, "too many login attempts for this user; try again later", 300)
        found = session.scalar(select(m.User).where(func.lower(m.User.username) == name))
        user = found if found is not None and found.active else None
        # A real user's lockout is kept in the database (every process sees it, an administrator can lift it);
        # an unknown name is locked the same way in memory, so the two cannot be told apart.
        if user is not None:
            locked_for = locked(user, now)
        else:
            locked_for = 0.0 if self._limiter.test(self._failures, "failed", name) else float(self.lock_seconds)
        real = user is not None and not locked_for
        # An unknown or locked name is checked against a dummy hash, so its answer takes as long as a real one.
        if not self._checks.acquire(timeout=self.check_wait_seconds):
            return LoginOutcome(None, 503, "the server is busy checking passwords; try again in a moment", 5)
        try:
            ok = verify_password(user.password_hash if real and user else self._dummy_hash(), password) and real
        finally:
            self._checks.release()
        if locked_for:
            minutes = max(1, round(locked_for / 60))
            detail = f"too many wrong passwords for this user; try again in {minutes} min"
            return LoginOutcome(None, 429, detail, int(locked_for))
        if not ok:
            if user is not None:
                record_login_failure(user, now, self.lock_after, self.lock_seconds)
            else:
                self._limiter.hit(self._failures, "failed", name)
            return LoginOutcome(None, 401, WRONG)
        assert user is not None
        user.failed_logins = 0
        return LoginOutcome(user)

    def _dummy_hash(self) -> str:
        with self._dummy_lock:
            if self._dummy is None:
                self._dummy = hash_password("not a password of anyone")
            return self._dummy
