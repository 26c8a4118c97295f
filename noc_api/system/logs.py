"""Nothing personal or secret in the logs: access lines lose the values of query parameters that carry a token,
a phone's digits or a key (signed ack and feedback links, `?phone=1234`, Open311 api_key)."""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = ("token", "t", "phone", "phone_last4", "api_key", "code", "cnic", "key", "access_token")
_QUERY_VALUE = re.compile(r"(?<=[?&])(" + "|".join(SECRET_PARAMS) + r")=[^&\s]*", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the value of every secret query parameter replaced by ``***``."""
    return _QUERY_VALUE.sub(lambda m: f"{m.group(1)}=***", text)


class RedactQuery(logging.Filter):
    """A filter for uvicorn's access logger (its record args are client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_access_log_redaction() -> None:
    """Add the filter once to uvicorn's access logger (call after uvicorn has configured logging)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQuery) for f in access.filters):
        access.addFilter(RedactQuery())
