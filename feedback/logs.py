"""Logs that hold no client address: gunicorn's access and error logs as shipped."""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

# Time, request line, status, bytes, duration: no address, no user agent, no referrer.
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'

# IPv4, and IPv6 written with at least two colons (a clock time such as 18:00 has one).
_ADDRESS = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b|(?<![\w:])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])"
)


def redact(text: str) -> str:
    """The text with every IP address replaced by a placeholder."""
    return _ADDRESS.sub("[adress]", text)


class RedactAddresses(logging.Filter):
    """Rewrites a record's message without the client addresses it names."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class PrivateLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with the address-free access format and addresses redacted."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(RedactAddresses())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        atoms["h"] = "-"  # also under a custom access_log_format
        return atoms
