"""Typed collection errors. Each adapter maps its library's exceptions to one of these, ``raise X(...) from exc``.

    CollectorError            anything that stopped one device's collection
     +-- Unreachable          refused, no route, unknown host, connection reset
     +-- Timeout              no answer within the device's timeout
     +-- AuthFailed           wrong community/user/key/password (SNMPv3 report, SSH auth, NUT ACCESS-DENIED)
     +-- ParseError           the device answered something we could not read

The collectors never let these escape a cycle: `collectors.run.collect_device` turns them into a
`CollectResult` with status `unreachable` (`unknown` for a ParseError: it answered, we cannot tell) and a
``collector_up=0`` reading.
"""

from __future__ import annotations


class CollectorError(Exception):
    """Base of every collection error; ``str(exc)`` is the message shown to the NOC."""


class Unreachable(CollectorError):
    """The device refused or could not be reached."""


class Timeout(CollectorError):
    """The device did not answer in time."""


class AuthFailed(CollectorError):
    """The device rejected our credentials."""


class ParseError(CollectorError):
    """The device answered, but not in a form we understand."""


def os_reason(exc: BaseException) -> str:
    """A short reason for a socket error: the errno's text ("Connection refused") rather than asyncio's wording."""
    import os

    errno = getattr(exc, "errno", None)
    return os.strerror(errno) if errno else str(exc) or type(exc).__name__
