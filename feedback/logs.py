"""Logs that hold no client address: gunicorn's access and error logs as shipped."""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any

from gunicorn.glogging import Logger

# Time, request line, status, bytes, duration: no address, no user agent, no referrer.
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'

# Runs of characters an address is written with; only what parses as one is replaced,
# so a clock time (23:17:36) or a version number stays.
_CANDIDATE = re.compile(r"[0-9A-Fa-f:.]*[.:][0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?")
_WITH_PORT = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3})(:\d+)$")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return True


def _address_or_self(match: re.Match[str]) -> str:
    text = match.group(0)
    bare = text.rstrip(":.")
    if _is_address(bare):
        return "[adress]" + text[len(bare) :]
    with_port = _WITH_PORT.match(bare)
    if with_port and _is_address(with_port.group(1)):
        return "[adress]" + text[len(with_port.group(1)) :]
    return text


def redact(text: str) -> str:
    """The text with every IP address replaced by a placeholder."""
    return _CANDIDATE.sub(_address_or_self, text)


class RedactAddresses(logging.Filter):
    """Rewrites a record's message without the client addresses it names."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Listening at:"):
            return True  # the server's own address, which whoever starts it needs to see
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
