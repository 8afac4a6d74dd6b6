"""Community orders with treatment requirements and their events (DOMAIN.md "Community orders"):
written with their rules and audited; which orders run on a day; an order's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import sqlite_utils

from cjcase.domain import codes, rules
from cjcase.domain.clock import Clock
from cjcase.domain.errors import NotFoundError, ValidationError
from cjcase.domain.model import Client, Order, OrderEvent
from cjcase.services.audit import write_audit
from cjcase.store.database import INTEGRITY_ERRORS


class _Caseload(Protocol):
    """What orders use of the caseload façade (services.caseload.Caseload; the agenda, which
    the façade uses, reads orders through this module's SQL)."""

    db: sqlite_utils.Database
    clock: Clock

    def get_client(self, client_id: int) -> Client: ...


# An order's end in SQL, as domain.model.order_end: the day before the sentence date plus its
# length in calendar months, a day missing in that month being its last day (SQLite's own
# '+N months' would run on into the next month instead).
ORDER_END_SQL = """date(o.sentence_date, 'start of month', '+' || o.length_months || ' months',
    '+' || (min(CAST(strftime('%d', o.sentence_date) AS INTEGER),
                CAST(strftime('%d', date(o.sentence_date, 'start of month',
                     '+' || (o.length_months + 1) || ' months', '-1 day')) AS INTEGER)) - 1) || ' days',
    '-1 day')"""
# Running on :day (sentence to outcome date, both inclusive).
RUNNING_SQL = "o.sentence_date <= :day AND (o.outcome_date IS NULL OR o.outcome_date >= :day)"
# How a line names an order: `DRR+ATR 12 months, sentenced 02/03/26` (as Order.title).
TITLE_SQL = """upper(coalesce(replace(o.components, ';', '+'), o.order_type)) || ' ' || o.length_months
    || ' months, sentenced ' || strftime('%d/%m/', o.sentence_date) || substr(o.sentence_date, 3, 2)"""
# The order running on the day of review hearing `d` (none for another kind of hearing).
REVIEWED_ORDER_SQL = f"""(SELECT {TITLE_SQL} FROM orders o WHERE d.hearing_type = 'review'
    AND o.client_id = d.client_id AND o.sentence_date <= substr(d.hearing_at, 1, 10)
    AND (o.outcome_date IS NULL OR o.outcome_date >= substr(d.hearing_at, 1, 10))
    ORDER BY o.sentence_date DESC LIMIT 1)"""


@dataclass
class TimelineLine:
    """One dated line of an order's timeline."""

    day: date
    what: str
    event_id: int | None = None  # the order event it shows, if any


def running(db: sqlite_utils.Database, client_id: int, day: date) -> list[Order]:
    """The client's orders running on a day."""
    return [
        Order.from_row(row)
        for row in db.query(
            f"SELECT * FROM orders o WHERE o.client_id = :client AND {RUNNING_SQL} ORDER BY o.sentence_date",
            {"client": client_id, "day": day.isoformat()},
        )
    ]


def stored_problems(db: sqlite_utils.Database) -> list[str]:
    """Order events outside their order or a breach outcome with no breach laid before it, for
    `cjcase check` (the database holds the rest)."""
    return [
        f"order_events row {row['id']}: "
        + (
            f"dated after its order's outcome date {row['outcome_date']}."
            if row["after_outcome"]
            else "a breach outcome with no breach laid on its order on or before its date."
        )
        for row in db.query(
            """SELECT e.id, o.outcome_date, e.event_date > o.outcome_date AS after_outcome
               FROM order_events e JOIN orders o ON o.client_id = e.client_id AND o.sentence_date = e.sentence_date
               WHERE e.event_date > o.outcome_date
                  OR (e.kind = 'breach_outcome' AND NOT EXISTS (
                      SELECT 1 FROM order_events b WHERE b.client_id = e.client_id
                      AND b.sentence_date = e.sentence_date AND b.kind = 'breach_laid' AND b.event_date <= e.event_date))
               ORDER BY e.id"""
        )
    ]


def describe_result(event: OrderEvent) -> str:
    """An event's result as the timeline says it: `positive: opiates, cocaine`."""
    if not event.result:
        return ""
    if event.kind == "test":
        if event.result in codes.TEST_RESULT_ALONE:
            return event.result
        return "positive: " + ", ".join(event.result.split(";"))
    if event.kind == "review":
        return f"progress {event.result}"
    return codes.label(event.result)


class Orders:
    """A caseload's community orders and their events, written with their rules and audited."""

    def __init__(self, caseload: _Caseload):
        self.caseload = caseload
        self.db = caseload.db

    @property
    def today(self) -> date:
        return self.caseload.clock.today()

    # ------------------------------------------------------------ orders

    def get(self, order_id: int) -> Order:
        """One order by id."""
        rows = list(self.db.query("SELECT * FROM orders WHERE id = ?", [order_id]))
        if not rows:
            raise NotFoundError(f"That order (#{order_id}) no longer exists.")
        return Order.from_row(rows[0])

    def of_client(self, client_id: int) -> list[Order]:
        """A client's orders, latest sentence first."""
        return [
            Order.from_row(row)
            for row in self.db.query(
                "SELECT * FROM orders WHERE client_id = ? ORDER BY sentence_date DESC", [client_id]
            )
        ]

    def running_on(self, client_id: int, day: date) -> list[Order]:
        """The client's orders running on a day."""
        return running(self.db, client_id, day)

    def add(self, client_id: int, values: dict[str, Any]) -> Order:
        """Record an order made by the court."""
        self.caseload.get_client(client_id)
        clean, problems = rules.check_fields(rules.ORDER, values)
        problems = problems or rules.check_order(clean, self.today)
        if problems:
            raise problems[0]
        with self.db.atomic():
            try:
                new_id = self.db.table("orders").insert({**clean, "client_id": client_id}).last_pk
            except INTEGRITY_ERRORS:
                raise ValidationError("sentence_date", "The client already has an order sentenced that day.") from None
            assert new_id is not None
            write_audit(self.db, "create", "order", new_id, client_id)
        return self.get(new_id)

    def update(self, order_id: int, changes: dict[str, Any]) -> Order:
        """Change an order: its consent, treatment start, reviews, outcome, or a correction."""
        current = self.get(order_id)
        row = next(self.db.query("SELECT * FROM orders WHERE id = ?", [order_id]))
        clean_changes, problems = rules.check_fields(rules.ORDER, changes, partial=True)
        if problems:
            raise problems[0]
        merged = {**{name: row[name] for name in rules.ORDER}, **clean_changes}
        if merged.get("order_type") != "combined" and "components" not in changes:
            merged["components"] = clean_changes["components"] = None  # only a combined order names them
        problems = rules.check_order(merged, self.today) + self._event_problems(current, merged)
        if problems:
            raise problems[0]
        changed = {name: value for name, value in clean_changes.items() if row[name] != value}
        if not changed:
            return current
        with self.db.atomic():
            try:
                self.db.table("orders").update(
                    order_id, {**changed, "updated_at": datetime.now().strftime("%Y-%m-%d %H:%M:%S")}
                )
            except INTEGRITY_ERRORS:
                raise ValidationError("sentence_date", "The client already has an order sentenced that day.") from None
            write_audit(
                self.db, "update", "order", order_id, current.client_id, "fields: " + ", ".join(sorted(changed))
            )
        return self.get(order_id)

    def _event_problems(self, order: Order, merged: dict[str, Any]) -> list[ValidationError]:
        """An order's events stay within it when its dates are corrected."""
        events = self.events(order.id)
        if not events:
            return []
        first, last = events[0].event_date.isoformat(), events[-1].event_date.isoformat()
        if merged["sentence_date"] > first:
            return [ValidationError("sentence_date", f"The order has an event on {first}, before that sentence date.")]
        if merged.get("outcome_date") and merged["outcome_date"] < last:
            return [ValidationError("outcome_date", f"The order has an event on {last}, after that outcome date.")]
        return []

    def delete(self, order_id: int) -> None:
        """Delete an order recorded in error, with its events."""
        current = self.get(order_id)
        with self.db.atomic():
            self.db.execute("DELETE FROM orders WHERE id = ?", [order_id])
            write_audit(self.db, "delete", "order", order_id, current.client_id)

    # ------------------------------------------------------------ events

    def events(self, order_id: int) -> list[OrderEvent]:
        """An order's events in date order."""
        order = self.get(order_id)
        return [
            OrderEvent.from_row(row)
            for row in self.db.query(
                "SELECT * FROM order_events WHERE client_id = ? AND sentence_date = ? ORDER BY event_date, id",
                [order.client_id, order.sentence_date.isoformat()],
            )
        ]

    def get_event(self, event_id: int) -> OrderEvent:
        """One order event by id."""
        rows = list(self.db.query("SELECT * FROM order_events WHERE id = ?", [event_id]))
        if not rows:
            raise NotFoundError(f"That order event (#{event_id}) no longer exists.")
        return OrderEvent.from_row(rows[0])

    def _order_of(self, event: OrderEvent) -> Order:
        rows = list(
            self.db.query(
                "SELECT * FROM orders WHERE client_id = ? AND sentence_date = ?",
                [event.client_id, event.sentence_date.isoformat()],
            )
        )
        return Order.from_row(rows[0])

    def _check_event(self, order: Order, values: dict[str, Any], event_id: int | None) -> dict[str, Any]:
        """The event's fields cleaned, or the first problem raised."""
        values = {**values, "sentence_date": order.sentence_date}
        clean, problems = rules.check_fields(rules.ORDER_EVENT, values)
        problems = problems or rules.check_order_event(clean, self.today)
        if problems:
            raise problems[0]
        if order.outcome_date and clean["date"] > order.outcome_date.isoformat():
            raise ValidationError("date", f"The event is after the order's outcome on {order.outcome_date:%d/%m/%Y}.")
        if clean["kind"] == "breach_outcome" and not any(
            e.kind == "breach_laid" and e.event_date.isoformat() <= clean["date"] and e.id != event_id
            for e in self.events(order.id)
        ):
            raise ValidationError(
                "kind", "A breach outcome needs the breach laid on this order first: record the breach laid."
            )
        return clean

    def add_event(self, order_id: int, values: dict[str, Any]) -> OrderEvent:
        """Record something that happened on an order: a test, a review, a warning, a breach."""
        order = self.get(order_id)
        clean = self._check_event(order, values, None)
        row = {
            "client_id": order.client_id,
            "sentence_date": clean["sentence_date"],
            "kind": clean["kind"],
            "event_date": clean["date"],
            "result": clean.get("result"),
            "notes": clean.get("notes"),
        }
        with self.db.atomic():
            try:
                new_id = self.db.table("order_events").insert(row).last_pk
            except INTEGRITY_ERRORS:
                raise ValidationError("date", "The order already has an event of that kind that day.") from None
            assert new_id is not None
            write_audit(self.db, "create", "order_event", new_id, order.client_id)
        return self.get_event(new_id)

    def update_event(self, event_id: int, changes: dict[str, Any]) -> OrderEvent:
        """Correct an order event."""
        event = self.get_event(event_id)
        order = self._order_of(event)
        current: dict[str, Any] = {
            "kind": event.kind,
            "date": event.event_date,
            "result": event.result,
            "notes": event.notes,
        }
        clean = self._check_event(order, {**current, **changes}, event_id)
        if event.kind == "breach_laid" and (
            clean["kind"] != "breach_laid" or clean["date"] > event.event_date.isoformat()
        ):
            self._breach_still_laid(order, event_id, clean)
        row = {
            "kind": clean["kind"],
            "event_date": clean["date"],
            "result": clean.get("result"),
            "notes": clean.get("notes"),
        }
        old = {
            "kind": event.kind,
            "event_date": event.event_date.isoformat(),
            "result": event.result,
            "notes": event.notes,
        }
        changed = {k: v for k, v in row.items() if old[k] != v}
        if not changed:
            return event
        with self.db.atomic():
            try:
                self.db.table("order_events").update(
                    event_id, {**changed, "updated_at": datetime.now().strftime("%Y-%m-%d %H:%M:%S")}
                )
            except INTEGRITY_ERRORS:
                raise ValidationError("date", "The order already has an event of that kind that day.") from None
            write_audit(
                self.db, "update", "order_event", event_id, event.client_id, "fields: " + ", ".join(sorted(changed))
            )
        return self.get_event(event_id)

    def _breach_still_laid(self, order: Order, event_id: int, replacement: dict[str, Any] | None) -> None:
        """Refuse a change that leaves a breach outcome with no breach laid before it."""
        laid = [e.event_date.isoformat() for e in self.events(order.id) if e.kind == "breach_laid" and e.id != event_id]
        if replacement and replacement["kind"] == "breach_laid":
            laid.append(replacement["date"])
        for e in self.events(order.id):
            if e.kind == "breach_outcome" and not any(d <= e.event_date.isoformat() for d in laid):
                raise ValidationError(
                    "kind",
                    f"The breach outcome of {e.event_date:%d/%m/%Y} needs this breach laid: change or delete it first.",
                )

    def delete_event(self, event_id: int) -> None:
        """Delete an order event recorded in error."""
        event = self.get_event(event_id)
        if event.kind == "breach_laid":
            self._breach_still_laid(self._order_of(event), event_id, None)
        with self.db.atomic():
            self.db.execute("DELETE FROM order_events WHERE id = ?", [event_id])
            write_audit(self.db, "delete", "order_event", event_id, event.client_id)

    # ------------------------------------------------------------ reading

    def timeline(self, order_id: int) -> list[TimelineLine]:
        """The order from consent and sentence through treatment, tests, reviews (held and to come)
        and breaches to its outcome or end, in date order."""
        order = self.get(order_id)
        lines = []
        if order.suitability_assessed_date:
            lines.append(TimelineLine(order.suitability_assessed_date, "Suitability assessed"))
        if order.consent_date:
            lines.append(TimelineLine(order.consent_date, "Consent to the requirement"))
        kinds = "+".join(r.upper() for r in order.requirements)
        lines.append(TimelineLine(order.sentence_date, f"{kinds} {order.length_months} months at {order.court}"))
        if order.treatment_start_date:
            within = "within 3 weeks" if order.started_within_3_weeks else "NOT within 3 weeks"
            days = (order.treatment_start_date - order.sentence_date).days
            lines.append(
                TimelineLine(order.treatment_start_date, f"Treatment started, {days} days after sentence ({within})")
            )
        for event in self.events(order_id):
            result = describe_result(event)
            text = codes.label(event.kind).capitalize() + (f": {result}" if result else "")
            if event.notes:
                text += f" · {event.notes}"
            lines.append(TimelineLine(event.event_date, text, event.id))
        last = order.outcome_date or order.end
        for row in self.db.query(
            "SELECT hearing_at, court FROM court_dates WHERE client_id = ? AND hearing_type = 'review' "
            "AND substr(hearing_at, 1, 10) > ? AND substr(hearing_at, 1, 10) <= ? ORDER BY hearing_at",
            [order.client_id, max(self.today, order.sentence_date).isoformat(), last.isoformat()],
        ):
            lines.append(
                TimelineLine(date.fromisoformat(row["hearing_at"][:10]), f"Review hearing to come at {row['court']}")
            )
        if order.outcome:
            lines.append(TimelineLine(order.outcome_date or order.end, f"Outcome: {codes.label(order.outcome)}"))
        else:
            lines.append(TimelineLine(order.end, "Order ends"))
        return sorted(lines, key=lambda line: line.day)
