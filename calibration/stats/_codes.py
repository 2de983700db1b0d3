"""Input handling shared by every statistic: long-form columns cleaned,
codes factorised to dense integers, grouped and counted.

A caller that runs many statistics on the same ratings (``calibration.compute``)
marks its dense codes (``dense_codes``) and its values (``factorized_values``):
read-only views that ``factorize`` returns at once, whose pairs (``combine``),
counts, sums and pairable ratings are then computed once for every statistic,
by the same operations in the same order: the same figures to the last bit.
The marks live as long as the views (weak references), no longer."""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np
from scipy import sparse

from calibration.stats import limits


def clean(*columns: Any, value_at: int = 2) -> list[np.ndarray]:
    """The columns as 1-D arrays of one length, without rows whose value is
    missing (NaN) or infinite."""
    arrays = [np.asarray(c) for c in columns]
    for a in arrays:
        if a.ndim != 1:
            raise ValueError("ratings must be 1-D arrays in long form")
    if len({a.shape[0] for a in arrays}) > 1:
        raise ValueError("unit, rater, value (and criterion, time) must have the same length")
    arrays[value_at] = np.asarray(arrays[value_at], dtype=float)  # no copy if float already
    keep = np.isfinite(arrays[value_at])
    if not keep.all():
        arrays = [a[keep] for a in arrays]
    return arrays


# Arrays of codes known to be dense 0..k-1 with every code used (``dense_codes``),
# by id: {id: (weak reference, k, {(id of other, width): (its weak reference,
# keys, index)}, {"counts": the codes' counts} and {("sums", id of weights):
# (their weak reference, the sums)})}. The weak reference tells a live array
# from a dead one whose id was reused; the inner dict keeps ``combine``'s
# results, the counts and the sums while the array lives.
_DENSE: dict[int, tuple[weakref.ref, int, dict]] = {}


# Float arrays of values whose factorization is known (``factorized_values``),
# by id: {id: (weak reference, (distinct values, index))}.
_VALUES: dict[int, tuple[weakref.ref, tuple[np.ndarray, np.ndarray]]] = {}


def factorized_values(values: np.ndarray) -> np.ndarray:
    """A read-only view of float ``values`` (the ratings' levels), factorized
    once here: ``factorize`` of it is that factorization (read-only, shared)
    and ``known_factorization`` gives it to statistics that read the levels
    off it. Anything but one-dimensional float64 values comes back as it is."""
    values = np.asarray(values)
    if values.dtype != np.float64 or values.ndim != 1:
        return values
    distinct, index = (array.view() for array in factorize(values))
    view = values.view()
    for array in (view, distinct, index):
        array.flags.writeable = False
    key = id(view)

    def forget(_ref, key=key, registry=_VALUES):
        registry.pop(key, None)

    _VALUES[key] = (weakref.ref(view, forget), (distinct, index))
    return view


def known_factorization(values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``factorize(values)`` when ``factorized_values`` made them; else None."""
    entry = _VALUES.get(id(values))
    if entry is not None and entry[0]() is values:
        return entry[1]
    return None


def dense_codes(codes: np.ndarray, k: int) -> np.ndarray:
    """A read-only view of ``codes`` (int64, every code 0..k-1 used, as the
    index ``factorize`` returns), marked so that ``factorize`` of it is its
    ``(arange(k), codes)`` at once and ``combine`` of two such arrays is
    computed once. Read-only, so that the mark stays true. Anything but
    one-dimensional int64 codes comes back as it is, unmarked."""
    codes = np.asarray(codes)
    if codes.dtype != np.int64 or codes.ndim != 1:
        return codes
    view = codes.view()
    view.flags.writeable = False
    key = id(view)

    def forget(_ref, key=key, registry=_DENSE):  # (the dict itself: alive at exit too)
        registry.pop(key, None)

    _DENSE[key] = (weakref.ref(view, forget), int(k), {})
    return view


def _dense_entry(codes: Any) -> tuple[weakref.ref, int, dict] | None:
    entry = _DENSE.get(id(codes))
    if entry is not None and entry[0]() is codes:
        return entry
    return None


def combine(a: np.ndarray, width: int, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``factorize(a * width + b)`` for dense int64 codes ``a`` and ``b``
    (0 <= b < width), such as the (unit, rater) pairs of the scorecards. When
    both are marked ``dense_codes``, the result is computed once for them (its
    index marked in turn), so that statistics which each need the same pairs
    share one factorisation."""
    first, second = _dense_entry(a), _dense_entry(b)
    if first is None or second is None:
        return factorize(a.astype(np.int64) * width + b)
    known = first[2].get((id(b), width))
    if known is not None and known[0]() is b:
        return known[1], known[2]
    keys, index = factorize(a * width + b)
    index = dense_codes(index, keys.size)
    first[2][(id(b), width)] = (weakref.ref(b), keys, index)
    return keys, index


def code_counts(codes: np.ndarray, minlength: int = 0) -> np.ndarray:
    """``np.bincount(codes, minlength=minlength)``; for codes marked by
    ``dense_codes``, counted once (and read-only: callers share it)."""
    entry = _dense_entry(codes)
    if entry is None or minlength > entry[1]:
        return np.bincount(codes, minlength=minlength)
    known = entry[2].get("counts")
    if known is None:
        known = np.bincount(codes, minlength=entry[1])
        known.flags.writeable = False
        entry[2]["counts"] = known
    return known


def code_sums(codes: np.ndarray, weights: np.ndarray, minlength: int = 0) -> np.ndarray:
    """``np.bincount(codes, weights, minlength=minlength)``; for codes marked by
    ``dense_codes`` and read-only ``weights`` (such as the values of
    ``factorized_values``, which cannot change), summed once per ``weights``
    array (read-only: callers share it)."""
    entry = _dense_entry(codes)
    if entry is None or minlength > entry[1] or weights.flags.writeable:
        return np.bincount(codes, weights, minlength=minlength)
    known = entry[2].get(("sums", id(weights)))
    if known is not None and known[0]() is weights:
        return known[1]
    sums = np.bincount(codes, weights, minlength=entry[1])
    sums.flags.writeable = False
    entry[2][("sums", id(weights))] = (weakref.ref(weights), sums)
    return sums


def cell_counts(a: np.ndarray, width: int, b: np.ndarray, cells: int) -> np.ndarray:
    """``np.bincount(a * width + b, minlength=cells)``: how often each (a, b)
    cell occurs, empty cells included; for codes marked by ``dense_codes``,
    read off their ``combine``."""
    if _dense_entry(a) is None or _dense_entry(b) is None:
        return np.bincount(a * width + b, minlength=cells)
    keys, index = combine(a, width, b)
    table = np.zeros(max(cells, int(keys[-1]) + 1 if keys.size else 0), dtype=np.int64)
    table[keys] = code_counts(index)
    return table


def marked(codes: Any) -> bool:
    """Whether ``codes`` were marked by ``dense_codes``."""
    return _dense_entry(codes) is not None


def pairable(item: np.ndarray, value: np.ndarray) -> tuple:
    """(whether each rating's item has another rating, those ratings' items,
    their values, ``factorize`` of those values): what the agreement
    statistics compare. For items marked by ``dense_codes`` and read-only
    values (``factorized_values``), computed once per ``value`` array
    (read-only: callers share it)."""
    entry = _dense_entry(item) if not value.flags.writeable else None
    key = ("pairable", id(value))
    if entry is not None:
        known = entry[2].get(key)
        if known is not None and known[0]() is value:
            return known[1]
    mask = code_counts(item)[item] >= 2
    if mask.all():
        items, values = item, value
        levels = factorize(values)
    else:
        items, values = item[mask], value[mask]
        levels = None
        known = known_factorization(value)
        if known is not None:
            # The subset's factorization is the whole's when it has every value.
            index = known[1][mask]
            if np.bincount(index, minlength=known[0].size).all():
                levels = (known[0], index)
        if levels is None:
            levels = factorize(values)
    result = (mask, items, values, levels)
    if entry is not None:
        entry[2][key] = (weakref.ref(value), result)
    return result


def note_repeats(item: np.ndarray, rater: np.ndarray, repeated: bool) -> None:
    """Record, for marked codes, whether some rater rated some item twice
    (a statistic that found out on the way tells ``repeats``)."""
    entry = _dense_entry(item)
    if entry is not None and _dense_entry(rater) is not None:
        entry[2][("repeats", id(rater))] = (weakref.ref(rater), bool(repeated))


def repeats(item: np.ndarray, rater: np.ndarray) -> bool | None:
    """What ``note_repeats`` recorded for these codes, or None."""
    entry = _dense_entry(item)
    known = None if entry is None else entry[2].get(("repeats", id(rater)))
    return known[1] if known is not None and known[0]() is rater else None


def factorize(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct codes in sorted order, index of each element into them).

    Codes marked by ``dense_codes`` are their own index, at once.

    Integer codes (or integral floats) in a range not much wider than their
    number, such as database ids, codes already made dense or the pairs
    ``unit * n_raters + rater`` of a scorecard, are counted through a lookup
    table in O(n) instead of being sorted. The index may be ``codes`` itself:
    callers treat both results as read-only."""
    codes = np.asarray(codes)
    known = _dense_entry(codes)
    if known is not None:
        return np.arange(known[1], dtype=np.int64), codes
    values = known_factorization(codes)
    if values is not None:
        return values
    kind = codes.dtype.kind
    if codes.size and kind in "iuf":
        lo, hi = codes.min(), codes.max()
        # Twice the count tables' slack: this table costs a byte and, when not
        # every code is used, four more per code of the range (not eight).
        budget = 2 * limits.LOOKUP_SLACK * codes.size + limits.LOOKUP_EXTRA
        if kind == "f":
            span = float(hi) - float(lo)  # NaN or infinite: not compact
            compact = span <= budget and np.array_equal(codes, np.rint(codes))
        else:
            span = int(hi) - int(lo)
            compact = span <= budget
        if compact:
            if codes.dtype == np.int64:
                # Dense codes already (returned as they are), or one subtraction.
                offset = codes if lo == 0 else codes - lo
            elif kind == "i":
                offset = codes.astype(np.int64) - np.int64(lo)
            else:
                offset = (codes - lo).astype(np.int64)
            present = np.zeros(int(span) + 1, dtype=bool)
            present[offset] = True
            used = np.flatnonzero(present)
            if used.size == present.size:
                index = offset  # every code of the range used: the offsets are the index
            else:
                # Each used offset's rank, looked up (only the used cells are set).
                rank = np.empty(present.size, dtype=np.int32 if used.size < 2**31 else np.int64)
                rank[used] = np.arange(used.size, dtype=rank.dtype)
                index = rank[offset].astype(np.int64)
            if kind == "f":
                distinct = used.astype(codes.dtype) + lo
            else:
                wide = np.uint64 if kind == "u" else np.int64
                distinct = (used.astype(wide) + lo).astype(codes.dtype)
            return distinct, index
    distinct, index = np.unique(codes, return_inverse=True)
    return distinct, index.reshape(-1).astype(np.int64)


def item_codes(unit: np.ndarray, criterion: np.ndarray | None) -> np.ndarray:
    """Dense codes of what is rated: the unit, or the (unit, criterion) pair."""
    _, u = factorize(unit)
    if criterion is None:
        return u
    codes, c = factorize(criterion)
    return combine(u, len(codes), c)[1]


def group_positions(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, bounds): ``order[bounds[i]:bounds[i + 1]]`` are the positions
    of code i among the dense codes 0..k-1, in their original order."""
    if k <= np.iinfo(np.int16).max:
        codes = codes.astype(np.int16)  # a stable sort of 16-bit keys is a radix sort
    order = np.argsort(codes, kind="stable")
    bounds = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=k), out=bounds[1:])
    return order, bounds


def scalar(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


# --- Krippendorff's alpha -----------------------------------------------------


def count_table(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    """How often each (row, col) pair occurs, as a canonical CSR matrix
    (sorted indices, no duplicates), counted by sorting the pairs' keys, or,
    for codes marked by ``dense_codes``, read off their ``combine`` (the
    pairs' distinct keys in order, and how often each occurs)."""
    if _dense_entry(rows) is not None and _dense_entry(cols) is not None:
        cells, index = combine(rows, n_cols, cols)
        data = code_counts(index)
    elif n_rows * n_cols <= 2 * rows.size:
        key = rows * n_cols + cols
        counts = np.bincount(key, minlength=n_rows * n_cols)
        cells = np.flatnonzero(counts)
        data = counts[cells]
    else:
        # Sorted (as 32-bit keys when they fit, which sorts faster).
        key = rows * n_cols + cols
        key = np.sort(key.astype(np.uint32) if n_rows * n_cols <= 2**32 else key)
        first = np.ones(key.size, dtype=bool)
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        cells = key[starts].astype(np.int64)
        data = np.diff(np.append(starts, key.size))
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(cells // n_cols, minlength=n_rows), out=indptr[1:])
    return sparse.csr_matrix((data.astype(float), cells % n_cols, indptr), shape=(n_rows, n_cols))


def dense(x: Any) -> np.ndarray:
    return x.toarray() if sparse.issparse(x) else np.asarray(x)


def has_duplicates(codes: np.ndarray) -> bool:
    ordered = np.sort(codes)
    return bool((ordered[1:] == ordered[:-1]).any())


def finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
