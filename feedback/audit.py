"""The audit log: who did what that matters, and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.models import AuditEvent


def record(
    session: Session, actor: str | None, action: str, target: str | None = None, **details: Any
) -> AuditEvent:
    """Add an event to the log; it is stored with the caller's commit."""
    # The column holds 200 characters; an e-mail address may have 254.
    target = target[:200] if target else target
    event = AuditEvent(actor_email=actor, action=action, target=target, details=details)
    session.add(event)
    return event


def complete(session: Session, event_id: int, **details: Any) -> None:
    """Add what became known later, such as an export's row count, to an event."""
    event = session.get(AuditEvent, event_id)
    if event is not None:
        event.details = {**event.details, **details}


def recent(session: Session, limit: int = 200, action: str | None = None) -> Sequence[AuditEvent]:
    """The newest events first, optionally of one action."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return session.scalars(query).all()


def count_since(session: Session, action: str, since: datetime, actor: str) -> int:
    """How many events of an action an actor has had since a moment."""
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == action,
                AuditEvent.actor_email == actor,
                AuditEvent.at >= since,
            )
        )
        or 0
    )
