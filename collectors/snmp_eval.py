"""Turn raw SNMP values into readings and a status by a profile. Pure: values, state and time are passed in.

Raw values come already decoded by the adapter: int for numbers, bytes for OctetString, None for a missing
object. ``tables`` maps a column OID to {row index suffix: value}.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from collectors.profile import INDEX_PARTS, Column, Profile, Table
from collectors.rates import Sample, counter_rate, rebooted
from collectors.readings import DeviceStatus, Reading

Raw = int | bytes | str | None
_SEVERITY = {DeviceStatus.UP: 0, DeviceStatus.DEGRADED: 1, DeviceStatus.DOWN: 2}


@dataclass
class SnmpState:
    """What one device's previous collection left behind: counter samples and uptime, for rates and reboots."""

    counters: dict[tuple[str, str], Sample] = field(default_factory=dict)
    uptime: float | None = None
    at: float | None = None


@dataclass
class Evaluation:
    readings: list[Reading]
    status: DeviceStatus
    reason: str | None


def _text(value: Raw, kind: str | None) -> str:
    if isinstance(value, bytes):
        if kind == "mac" and len(value) == 6:
            return ":".join(f"{b:02x}" for b in value)
        return value.decode("utf-8", "replace")
    return str(value)


def _number(value: Raw) -> float | None:
    if isinstance(value, int):
        return float(value)
    if isinstance(value, (bytes, str)):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def evaluate(
    profile: Profile,
    scalars: dict[str, Raw],
    tables: dict[str, dict[str, Raw]],
    state: SnmpState,
    now: float,
    uplinks: tuple[str, ...] = (),
) -> Evaluation:
    """Readings, status and reason for one collection; ``state`` is updated in place for the next one."""
    out: list[Reading] = []
    flat: dict[str, float] = {}
    for s in profile.scalars:
        raw = scalars.get(s.oid)
        if raw is None:
            continue
        if s.text:
            out.append(Reading(metric=s.metric, value=1.0, text=_text(raw, s.text)[:200]))
            continue
        num = _number(raw)
        if num is None:
            continue
        text = s.enum.get(int(num)) if s.enum else None
        value = num if s.enum else num * s.scale
        flat[s.metric] = value
        out.append(Reading(metric=s.metric, value=value, unit=s.unit, text=text))

    up = flat.get("sys_uptime_seconds")
    if up is not None:
        boot = rebooted(state.uptime, up, now - state.at if state.at is not None else 0.0)
        if boot:
            state.counters.clear()  # counters restarted with the device: no rate across a reboot
        out.append(Reading(metric="device_rebooted", value=1.0 if boot else 0.0))
        state.uptime, state.at = up, now

    for table in profile.tables:
        rows = _table(table, tables, state, now)
        out.extend(rows)
        flat.update((r.metric, r.value) for r in rows if not r.labels and r.text is None)

    for d in profile.derived:
        if d.metric in flat:
            continue  # the device gave it itself (a vendor SNR column beats signal minus noise)
        if d.difference:
            a, b = (flat.get(m) for m in d.difference)
            if a is not None and b is not None:
                flat[d.metric] = a - b
                out.append(Reading(metric=d.metric, value=a - b, unit=d.unit))
        elif d.from_ in flat:
            flat[d.metric] = 1.0 if d.test(flat[d.from_]) else 0.0
            out.append(Reading(metric=d.metric, value=flat[d.metric]))

    status, reasons = DeviceStatus.UP, []
    for rule in profile.status:
        for r in out:
            if r.metric != rule.metric or not rule.test(r.value):
                continue
            if rule.uplink and not (set(r.labels.values()) & set(uplinks)):
                continue
            reasons.append(rule.reason.format(value=r.value, **r.labels))
            if _SEVERITY[rule.status] > _SEVERITY.get(status, 0):
                status = rule.status
    if status is not DeviceStatus.DOWN:
        seen = {r.metric for r in out}
        for req in profile.required:
            if not seen.intersection(req.any_of):
                reasons.append(req.reason)
                if _SEVERITY[req.status] > _SEVERITY.get(status, 0):
                    status = req.status
    return Evaluation(out, status, "; ".join(dict.fromkeys(reasons)) or None)


def row_labels(table: Table, idx: str, name: Raw) -> dict[str, str]:
    """The labels of one row: its name (name_column), else the parts of its index as ``table.index`` reads them."""
    if name not in (None, b""):
        return {table.label: _text(name, None)}
    if not table.index:
        return {table.label: idx}
    parts = idx.split(".")
    labels: dict[str, str] = {}
    for kind in table.index:
        n = INDEX_PARTS[kind]
        if len(parts) < n:
            return {table.label: idx}  # an index shorter than declared: keep it whole rather than guess
        head, parts = parts[:n], parts[n:]
        if kind == "mac":
            labels[table.label] = ":".join(f"{int(p):02x}" for p in head)
        else:
            labels[table.label if kind == "row" else kind] = head[0]
    if parts:
        labels[table.label] = labels.get(table.label, "") + "." + ".".join(parts)
    return labels


def _aggregate(how: str, values: list[float]) -> float:
    if how == "mean":
        return sum(values) / len(values)
    if how == "min":
        return min(values)
    if how == "max":
        return max(values)
    if how == "sum":
        return sum(values)
    return values[0]


def _table(table: Table, tables: dict[str, dict[str, Raw]], state: SnmpState, now: float) -> list[Reading]:
    names = tables.get(table.name_column or "", {})
    types = tables.get(table.type_column or "", {})
    rows: set[str] = set()
    for c in table.columns:
        rows.update(tables.get(c.oid, {}))
    ordered = sorted(rows, key=_index_key)
    labels = {idx: row_labels(table, idx, names.get(idx)) for idx in ordered}
    row_types = {idx: _text(types[idx], None).lstrip(".") for idx in ordered if types.get(idx) is not None}
    out: list[Reading] = []
    sums: dict[tuple[str, str], list[float | None]] = {}
    for col in table.columns:
        column = tables.get(col.oid, {})
        values: list[float] = []
        for idx in ordered:
            if col.only_type and row_types.get(idx) != col.only_type:
                continue
            raw = column.get(idx)
            if col.text:
                if raw not in (None, b""):
                    text = _text(raw, col.text)[:200]
                    out.append(Reading(metric=col.metric, value=1.0, text=text, labels=labels[idx]))
                continue
            value = _column_value(col, raw, tables, idx, state, now)
            if col.aggregate:
                if value is not None:
                    values.append(value)
                    if col.per_row:
                        out.append(Reading(metric=col.metric, value=value, unit=col.unit, labels=labels[idx]))
            elif col.sum:
                sums.setdefault((col.metric, idx), []).append(value)
            elif value is not None:
                out.append(Reading(metric=col.metric, value=value, unit=col.unit, labels=labels[idx]))
        if values and col.aggregate:
            out.append(Reading(metric=col.metric, value=_aggregate(col.aggregate, values), unit=col.unit))
    units = {c.metric: c.unit for c in table.columns}
    for (metric, idx), parts in sums.items():
        if parts and all(p is not None for p in parts):  # a rate needs every part's previous sample
            out.append(Reading(metric=metric, value=sum(parts), unit=units[metric], labels=labels[idx]))
    if rows and table.label == "interface":
        out.append(Reading(metric="if_count", value=float(len(rows))))
    return out


def _column_value(
    col: Column, raw: Raw, tables: dict[str, dict[str, Raw]], idx: str, state: SnmpState, now: float
) -> float | None:
    num = _number(raw)
    if num is None or num in col.missing:
        return None
    if col.counter:
        key = (col.oid, idx)
        cur = Sample(int(num), now)
        rate = counter_rate(state.counters.get(key), cur, 2**col.counter)
        state.counters[key] = cur
        return None if rate is None else rate * col.scale
    if col.ratio_of:
        den = _number(tables.get(col.ratio_of, {}).get(idx))
        return num / den if den else None
    if col.minus:
        other = _number(tables.get(col.minus, {}).get(idx))
        return None if other is None else (num - other) * col.scale
    if col.in_ is not None:
        return 1.0 if col.test(num) else 0.0
    return num * col.scale


def _index_key(idx: str) -> tuple[int, ...]:
    return tuple(int(p) for p in idx.split(".") if p.isdigit())
