"""The login limit's storage in the app's own database, shared by every worker.

Flask-Limiter counts failed logins per client address. Its memory storage counts per worker
process, so with 4 workers a client got about four times the limit. Without Redis, this storage
(`RATELIMIT_STORAGE_URI = "database://"`) keeps the fixed-window counters in the `rate_limit`
table: each increment is one atomic upsert, so workers never lose each other's counts. The
limiter's key names the client by an HMAC of its address (feedback.auth); only an HMAC of the
whole key under the app's secret key is stored, and rows are deleted once their window has
passed.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from limits.storage import Storage
from sqlalchemy import Engine, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from feedback.models import RateLimit, utcnow

SCHEME = "database"


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limit` table (limits' Storage interface)."""

    # limits registers the class under these schemes, and declares the attribute an instance one.
    STORAGE_SCHEME: list[str] | None = [SCHEME]  # noqa: RUF012

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        engine: Engine,
        secret: str,
        **options: Any,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.engine = engine
        self.secret = secret.encode()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def _hash(self, key: str) -> str:
        return hmac.new(self.secret, key.encode(), hashlib.sha256).hexdigest()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add to a key's count, starting a new window if its last one has passed."""
        now = utcnow()
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        new = insert(RateLimit).values(
            key_hash=self._hash(key), count=amount, expires_at=now + timedelta(seconds=expiry)
        )
        passed = RateLimit.expires_at <= now
        statement = new.on_conflict_do_update(
            index_elements=[RateLimit.key_hash],
            set_={
                "count": case((passed, new.excluded.count), else_=RateLimit.count + amount),
                "expires_at": case((passed, new.excluded.expires_at), else_=RateLimit.expires_at),
            },
        ).returning(RateLimit.count)
        with self.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            # Counters of windows that have passed say nothing any more; nobody needs them.
            connection.execute(delete(RateLimit).where(passed))
        return int(count)

    def _live(self, key: str) -> tuple[int, datetime] | None:
        """The key's count and the end of its window, while the window lasts."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(RateLimit.count, RateLimit.expires_at).where(
                    RateLimit.key_hash == self._hash(key), RateLimit.expires_at > utcnow()
                )
            ).one_or_none()
        if row is None:
            return None
        count, expires_at = row
        return int(count), expires_at

    def get(self, key: str) -> int:
        """The key's count in its current window; 0 when there is none."""
        live = self._live(key)
        return 0 if live is None else live[0]

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends, as a Unix time (now when there is none)."""
        live = self._live(key)
        return (utcnow() if live is None else live[1]).timestamp()

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; how many there were."""
        with self.engine.begin() as connection:
            return connection.execute(delete(RateLimit)).rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        with self.engine.begin() as connection:
            connection.execute(delete(RateLimit).where(RateLimit.key_hash == self._hash(key)))
