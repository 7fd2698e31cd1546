"""A capacity-bounded nearest-neighbour enrollment index over embeddings (faiss).

Each entry is one vector with a label (who or what it enrolls), a source tag (how it
got there, e.g. ``"enrolled"`` or ``"pseudo"``), a time, a hit count and a pinned flag.
Search is cosine similarity: vectors are passed through an optional transform (e.g. the
background normalization of :class:`~edgeadapt.enroll.normalize.BackgroundNormalizer`),
scaled to unit length and held in a ``faiss.IndexFlatIP``.

The state holds the raw vectors and the entry table, never a faiss serialization: the
faiss index is a cache rebuilt on load and whenever the transform changes.

Examples
--------
>>> import numpy as np
>>> index = EnrollmentIndex(dim=3, capacity=4)
>>> ids = index.add([[1, 0, 0], [0, 1, 0]], label="alice")
>>> _ = index.add([[0, 0, 1]], label="bob")
>>> scores, found = index.search([[0.9, 0.1, 0.0]], k=1)
>>> index.label_of(int(found[0, 0])), round(float(scores[0, 0]), 3)
('alice', 0.994)
>>> {k: round(v, 3) for k, v in index.best_per_label([0.0, 0.2, 1.0]).items()}
{'alice': 0.196, 'bob': 0.981}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..errors import InputError, StateMismatchError, missing_extra
from ..core.protocol import Stateful, expect_array, expect_keys, expect_scalar, mutator

__all__ = ["EnrollmentIndex", "Entry", "EVICTION_POLICIES", "MAX_LABEL_CHARS"]

#: How a full index makes room: drop the oldest unpinned entry, the unpinned entry with
#: the fewest hits (oldest first among equals), or refuse the addition.
EVICTION_POLICIES = ("oldest", "least_used", "refuse")
#: Longest label or source tag, in characters.
MAX_LABEL_CHARS = 64
#: Separator of the label and source tables in the state (forbidden inside names).
_TABLE_SEP = "\n"
#: Vectors shorter than this after the transform count as zero (no direction).
_MIN_NORM = 1e-12

Transform = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Entry:
    """One row of the index, as :meth:`EnrollmentIndex.entries` lists it."""

    id: int
    label: str
    source: str
    time: float
    hits: int
    pinned: bool


#: OpenMP threads faiss may use. Searches here are one window per 80 ms (or a few
#: hundred offline) against at most a few hundred entries: microseconds of work, which
#: faiss's default (every core) turns into thread start-up and contention, 80x slower on
#: two busy cores. One thread is the right size for the job.
FAISS_THREADS = 1


def _faiss():
    try:
        import faiss  # noqa: PLC0415 (heavy optional dependency, imported where used)
    except ImportError:
        raise missing_extra("faiss", "enroll", "the enrollment index") from None
    if faiss.omp_get_max_threads() != FAISS_THREADS:
        faiss.omp_set_num_threads(FAISS_THREADS)
    return faiss


def _check_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_LABEL_CHARS or _TABLE_SEP in value:
        raise InputError(
            f"{what} must be a non-empty string of at most {MAX_LABEL_CHARS} characters without a newline, "
            f"got {value!r}"
        )
    return value


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(norms, _MIN_NORM), dtype=np.float32)


class EnrollmentIndex(Stateful):
    """Labelled vectors searched by cosine similarity, with a capacity and an eviction policy.

    Parameters
    ----------
    dim : int
        Length of each vector.
    capacity : int
        Most entries held. Adding to a full index evicts per ``eviction``.
    eviction : {"oldest", "least_used", "refuse"}
        Which unpinned entry makes room; pinned entries are never evicted, and an
        addition that cannot be made room for raises :class:`~edgeadapt.errors.InputError`.

    Attributes
    ----------
    size : int
        Number of entries.

    Notes
    -----
    The state (``state_dict``) holds ``vectors`` (n, dim) float32 as added, ``ids``,
    ``label_codes`` and ``source_codes`` into the ``labels`` and ``sources`` tables
    (newline-separated strings), ``times``, ``hits``, ``pinned``, ``added`` (insertion
    sequence) and the counters ``next_id`` and ``next_seq``.

    Examples
    --------
    >>> index = EnrollmentIndex(dim=2, capacity=2, eviction="oldest")
    >>> a = index.add([[1.0, 0.0]], label="a", pinned=True)
    >>> b = index.add([[0.0, 1.0]], label="b")
    >>> c = index.add([[1.0, 1.0]], label="c")      # full: evicts b, the oldest unpinned
    >>> [e.label for e in index.entries()]
    ['a', 'c']
    """

    def __init__(self, dim: int, capacity: int = 256, eviction: str = "oldest") -> None:
        self.dim = dim
        self.capacity = capacity
        self.eviction = eviction
        self._transform: Transform | None = None
        self._clear()

    # ------------------------------------------------------------ internals
    def _check_config(self) -> None:
        for name in ("dim", "capacity"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise InputError(f"EnrollmentIndex: {name} must be a positive integer, got {value!r}")
        if self.eviction not in EVICTION_POLICIES:
            raise InputError(f"EnrollmentIndex: eviction must be one of {EVICTION_POLICIES}, got {self.eviction!r}")

    def _clear(self) -> None:
        self._vectors = np.zeros((0, int(self.dim) if isinstance(self.dim, (int, np.integer)) else 0), np.float32)
        self._ids = np.zeros(0, np.int64)
        self._labels: list[str] = []
        self._sources: list[str] = []
        self._times = np.zeros(0, np.float64)
        self._hits = np.zeros(0, np.int64)
        self._pinned = np.zeros(0, np.bool_)
        self._added = np.zeros(0, np.int64)
        self._next_id = 0
        self._next_seq = 0
        self._faiss_index: Any = None

    def _as_vectors(self, vectors: Any, name: str = "vectors") -> np.ndarray:
        x = np.asarray(vectors)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise InputError(
                f"EnrollmentIndex: {name} must have shape (n, {self.dim}) or ({self.dim},), got {x.shape}; "
                "pass embeddings of the size this index was built for"
            )
        if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
            raise InputError(f"EnrollmentIndex: {name} must be real numbers, got dtype {x.dtype}")
        x = np.ascontiguousarray(x, dtype=np.float32)
        if not np.isfinite(x).all():
            raise InputError(f"EnrollmentIndex: {name} holds NaN or Inf; drop or repair those rows first")
        return x

    def _prepared(self, x: np.ndarray) -> np.ndarray:
        """Transform (if any) and unit-normalize rows for the inner-product index."""
        if self._transform is not None and x.shape[0]:
            x = np.asarray(self._transform(x), dtype=np.float32)
        return _unit_rows(x)

    def _rebuild(self) -> None:
        faiss = _faiss()
        index = faiss.IndexFlatIP(int(self.dim))
        if self._vectors.shape[0]:
            index.add(self._prepared(self._vectors))
        self._faiss_index = index

    def _index(self) -> Any:
        if self._faiss_index is None:
            self._check_config()
            self._rebuild()
        return self._faiss_index

    def _victim(self) -> int:
        candidates = np.flatnonzero(~self._pinned)
        if self.eviction == "refuse" or candidates.size == 0:
            why = "its eviction policy is 'refuse'" if self.eviction == "refuse" else "every entry is pinned"
            raise InputError(
                f"EnrollmentIndex: the index is full ({self.capacity} entries) and {why}; remove entries "
                "(remove / remove_label) or build it with a larger capacity"
            )
        if self.eviction == "least_used":
            order = np.lexsort((self._added[candidates], self._hits[candidates]))
        else:
            order = np.argsort(self._added[candidates], kind="stable")
        return int(candidates[order[0]])

    def _delete_rows(self, rows: np.ndarray) -> None:
        keep = np.ones(self._ids.shape[0], bool)
        keep[rows] = False
        self._vectors = self._vectors[keep]
        self._ids = self._ids[keep]
        self._labels = [v for v, k in zip(self._labels, keep) if k]
        self._sources = [v for v, k in zip(self._sources, keep) if k]
        self._times = self._times[keep]
        self._hits = self._hits[keep]
        self._pinned = self._pinned[keep]
        self._added = self._added[keep]
        if self._faiss_index is not None and rows.size:
            self._faiss_index.remove_ids(np.asarray(rows, dtype=np.int64))

    # ------------------------------------------------------------ mutators
    @mutator
    def add(self, vectors: Any, label: str, *, source: str = "enrolled", time: float = 0.0,
            pinned: bool = False) -> list[int]:
        """Add vectors under one label; return their new entry ids.

        Parameters
        ----------
        vectors : array_like, shape (n, dim) or (dim,)
            Finite vectors, stored as float32.
        label : str
            Who or what the vectors enroll.
        source : str
            How they were obtained (``"enrolled"``, ``"pseudo"``, ...).
        time : float
            When (any clock the caller chooses, e.g. Unix seconds).
        pinned : bool
            Pinned entries are never evicted.

        Returns
        -------
        list of int

        Raises
        ------
        InputError
            On a wrong shape, NaN/Inf, a bad label, or a full index that cannot evict.

        Examples
        --------
        >>> index = EnrollmentIndex(dim=2, capacity=8)
        >>> index.add([[1.0, 2.0], [3.0, 4.0]], label="x")
        [0, 1]
        >>> index.add([1.0, float("nan")], label="x")
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: EnrollmentIndex: vectors holds NaN or Inf; drop or repair those rows first
        """
        self._check_config()
        x = self._as_vectors(vectors)
        label = _check_name(label, "label")
        source = _check_name(source, "source")
        time = float(time)
        if not np.isfinite(time):
            raise InputError(f"EnrollmentIndex: time must be finite, got {time!r}")
        if x.shape[0] > self.capacity:
            raise InputError(
                f"EnrollmentIndex: adding {x.shape[0]} vectors to an index of capacity {self.capacity}; "
                "add fewer or build a larger index"
            )
        index = self._index()
        new_ids: list[int] = []
        for row in x:
            if self._ids.shape[0] >= self.capacity:
                self._delete_rows(np.array([self._victim()]))
            self._vectors = np.concatenate([self._vectors, row[None, :]])
            self._ids = np.append(self._ids, np.int64(self._next_id))
            self._labels.append(label)
            self._sources.append(source)
            self._times = np.append(self._times, time)
            self._hits = np.append(self._hits, np.int64(0))
            self._pinned = np.append(self._pinned, bool(pinned))
            self._added = np.append(self._added, np.int64(self._next_seq))
            index.add(self._prepared(row[None, :]))
            new_ids.append(self._next_id)
            self._next_id += 1
            self._next_seq += 1
        return new_ids

    @mutator
    def remove(self, ids: Iterable[int]) -> int:
        """Remove entries by id; return how many were removed (unknown ids are ignored).

        Examples
        --------
        >>> index = EnrollmentIndex(dim=1); _ = index.add([[1.0], [2.0]], label="x")
        >>> index.remove([0, 7]), index.size
        (1, 1)
        """
        wanted = np.asarray(list(ids), dtype=np.int64)
        rows = np.flatnonzero(np.isin(self._ids, wanted))
        self._delete_rows(rows)
        return int(rows.size)

    @mutator
    def remove_label(self, label: str, *, source: str | None = None) -> int:
        """Remove every entry of ``label`` (only those of ``source`` if given); return the count.

        Examples
        --------
        >>> index = EnrollmentIndex(dim=1); _ = index.add([[1.0]], label="x")
        >>> _ = index.add([[2.0]], label="x", source="pseudo")
        >>> index.remove_label("x", source="pseudo"), index.remove_label("x")
        (1, 1)
        """
        rows = np.array(
            [i for i, (lab, src) in enumerate(zip(self._labels, self._sources))
             if lab == label and (source is None or src == source)],
            dtype=np.int64,
        )
        self._delete_rows(rows)
        return int(rows.size)

    @mutator
    def record_hits(self, ids: Iterable[int]) -> None:
        """Count one use of each entry id (for the ``least_used`` eviction policy).

        Examples
        --------
        >>> index = EnrollmentIndex(dim=1); _ = index.add([[1.0]], label="x")
        >>> index.record_hits([0, 0]); index.entries()[0].hits
        2
        """
        for i in ids:
            self._hits[self._ids == int(i)] += 1

    # ------------------------------------------------------------ configuration
    @property
    def transform(self) -> Transform | None:
        """The transform applied to vectors before the cosine similarity (None: identity)."""
        return self._transform

    def set_transform(self, transform: Transform | None) -> None:
        """Apply ``transform`` to stored vectors and queries before cosine search.

        The stored vectors stay as added; only the faiss cache is rebuilt. Call it again
        whenever the transform's parameters change (e.g. a new background estimate).

        Examples
        --------
        >>> import numpy as np
        >>> index = EnrollmentIndex(dim=2); _ = index.add([[1.0, 1.0]], label="x")
        >>> index.set_transform(lambda v: v - np.array([1.0, 0.0], np.float32))
        >>> round(float(index.search([[1.0, 1.0]])[0][0, 0]), 3)
        1.0
        """
        self._transform = transform
        self._faiss_index = None

    # ------------------------------------------------------------ queries
    @property
    def size(self) -> int:
        """Number of entries."""
        return int(self._ids.shape[0])

    @property
    def next_id(self) -> int:
        """The id the next added entry gets (ids are never reused)."""
        return self._next_id

    def __len__(self) -> int:
        return self.size

    @property
    def labels(self) -> list[str]:
        """Distinct labels, in order of first enrollment."""
        return list(dict.fromkeys(self._labels))

    def label_of(self, entry_id: int) -> str:
        """Label of an entry id.

        Examples
        --------
        >>> index = EnrollmentIndex(dim=1); index.add([[1.0]], label="x")
        [0]
        >>> index.label_of(0)
        'x'
        """
        rows = np.flatnonzero(self._ids == int(entry_id))
        if rows.size == 0:
            raise KeyError(f"EnrollmentIndex: no entry with id {entry_id}")
        return self._labels[int(rows[0])]

    def source_of(self, entry_id: int) -> str:
        """Source tag of an entry id.

        Examples
        --------
        >>> index = EnrollmentIndex(dim=1); index.add([[1.0]], label="x", source="pseudo")
        [0]
        >>> index.source_of(0)
        'pseudo'
        """
        rows = np.flatnonzero(self._ids == int(entry_id))
        if rows.size == 0:
            raise KeyError(f"EnrollmentIndex: no entry with id {entry_id}")
        return self._sources[int(rows[0])]

    def entries(self, *, label: str | None = None, source: str | None = None) -> list[Entry]:
        """List entries, optionally only those of one label and/or one source.

        Examples
        --------
        >>> index = EnrollmentIndex(dim=1); _ = index.add([[1.0]], label="x", source="pseudo", time=5.0)
        >>> index.entries(source="pseudo")
        [Entry(id=0, label='x', source='pseudo', time=5.0, hits=0, pinned=False)]
        """
        out = []
        for i in range(self.size):
            if (label is None or self._labels[i] == label) and (source is None or self._sources[i] == source):
                out.append(Entry(int(self._ids[i]), self._labels[i], self._sources[i], float(self._times[i]),
                                 int(self._hits[i]), bool(self._pinned[i])))
        return out

    def vectors(self, ids: Sequence[int] | None = None) -> np.ndarray:
        """Copies of the stored (untransformed) vectors, all or those of ``ids`` in that order.

        Examples
        --------
        >>> index = EnrollmentIndex(dim=2); _ = index.add([[1.0, 2.0]], label="x")
        >>> index.vectors().tolist()
        [[1.0, 2.0]]
        """
        if ids is None:
            return self._vectors.copy()
        rows = [int(np.flatnonzero(self._ids == int(i))[0]) for i in ids]
        return self._vectors[rows].copy()

    def search(self, queries: Any, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarity of the ``k`` nearest entries of each query.

        Parameters
        ----------
        queries : array_like, shape (m, dim) or (dim,)
        k : int
            Neighbours per query; missing ones (fewer than ``k`` entries) have score
            ``-inf`` and id ``-1``.

        Returns
        -------
        scores : numpy.ndarray, shape (m, k), float32
        ids : numpy.ndarray, shape (m, k), int64

        Examples
        --------
        >>> index = EnrollmentIndex(dim=2); _ = index.add([[1.0, 0.0]], label="x")
        >>> scores, ids = index.search([[1.0, 0.0]], k=2)
        >>> scores.tolist(), ids.tolist()
        ([[1.0, -inf]], [[0, -1]])
        >>> index.search([[1.0, 0.0, 0.0]])
        Traceback (most recent call last):
        ...
        edgeadapt.errors.InputError: EnrollmentIndex: queries must have shape (n, 2) or (2,), got (1, 3); pass embeddings of the size this index was built for
        """
        q = self._as_vectors(queries, "queries")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(f"EnrollmentIndex: k must be a positive integer, got {k!r}")
        m = q.shape[0]
        scores = np.full((m, k), -np.inf, np.float32)
        ids = np.full((m, k), -1, np.int64)
        n = self.size
        if n == 0 or m == 0:
            return scores, ids
        found_scores, rows = self._index().search(self._prepared(q), min(k, n))
        kk = rows.shape[1]
        valid = rows >= 0
        scores[:, :kk] = np.where(valid, found_scores, -np.inf)
        ids[:, :kk] = np.where(valid, self._ids[np.maximum(rows, 0)], -1)
        return scores, ids

    def best_per_label(self, query: Any) -> dict[str, float]:
        """Best cosine similarity of one query to each label's entries.

        Returns
        -------
        dict
            Label to score, in order of first enrollment; empty for an empty index.

        Examples
        --------
        >>> index = EnrollmentIndex(dim=2); _ = index.add([[1.0, 0.0]], label="x")
        >>> _ = index.add([[0.0, 1.0]], label="y")
        >>> index.best_per_label([1.0, 0.0])
        {'x': 1.0, 'y': 0.0}
        """
        return self.best_entries(query)[0]

    def best_entries(self, query: Any) -> tuple[dict[str, float], dict[str, int]]:
        """Best score and best entry id of one query for each label.

        Examples
        --------
        >>> index = EnrollmentIndex(dim=2)
        >>> _ = index.add([[1.0, 0.0], [0.6, 0.8]], label="x")
        >>> scores, ids = index.best_entries([0.0, 1.0])
        >>> round(scores["x"], 3), ids["x"]
        (0.8, 1)
        """
        q = self._as_vectors(query, "query")
        if q.shape[0] != 1:
            raise InputError(f"EnrollmentIndex: best_entries takes one query, got {q.shape[0]}; loop over them")
        n = self.size
        if n == 0:
            return {}, {}
        found_scores, rows = self._index().search(self._prepared(q), n)
        scores: dict[str, float] = {}
        best: dict[str, int] = {}
        for s, r in zip(found_scores[0].tolist(), rows[0].tolist()):
            if r < 0:
                continue
            label = self._labels[r]
            if label not in scores:  # results come best first
                scores[label], best[label] = float(s), int(self._ids[r])
        order = self.labels
        return ({k: scores[k] for k in order if k in scores}, {k: best[k] for k in order if k in best})

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """The state as new arrays (raw vectors and the entry table; no faiss bytes).

        Examples
        --------
        >>> sorted(EnrollmentIndex(dim=2).state_dict())
        ['added', 'hits', 'ids', 'label_codes', 'labels', 'next_id', 'next_seq', 'pinned', 'source_codes', 'sources', 'times', 'vectors']
        """
        label_table = list(dict.fromkeys(self._labels))
        source_table = list(dict.fromkeys(self._sources))
        return {
            "vectors": self._vectors.copy(),
            "ids": self._ids.copy(),
            "labels": _TABLE_SEP.join(label_table),
            "label_codes": np.array([label_table.index(v) for v in self._labels], dtype=np.int32),
            "sources": _TABLE_SEP.join(source_table),
            "source_codes": np.array([source_table.index(v) for v in self._sources], dtype=np.int32),
            "times": self._times.copy(),
            "hits": self._hits.copy(),
            "pinned": self._pinned.copy(),
            "added": self._added.copy(),
            "next_id": np.int64(self._next_id),
            "next_seq": np.int64(self._next_seq),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the state after checking it; nothing changes if a check fails.

        Examples
        --------
        >>> a = EnrollmentIndex(dim=2); _ = a.add([[1.0, 0.0]], label="x")
        >>> b = EnrollmentIndex(dim=2); b.load_state_dict(a.state_dict())
        >>> b.entries()[0].label, b.search([[1.0, 0.0]])[1].tolist()
        ('x', [[0]])
        >>> EnrollmentIndex(dim=3).load_state_dict(a.state_dict())
        Traceback (most recent call last):
        ...
        edgeadapt.errors.StateMismatchError: EnrollmentIndex: state entry 'vectors' has shape (1, 2) and dtype float32, expected shape ('any', 3) and dtype float32; the state was saved with another configuration
        """
        self._check_config()
        keys = ["vectors", "ids", "labels", "label_codes", "sources", "source_codes", "times", "hits",
                "pinned", "added", "next_id", "next_seq"]
        expect_keys(state, keys, self)
        vectors = expect_array(state, "vectors", (None, self.dim), np.float32, self)
        n = vectors.shape[0]
        ids = expect_array(state, "ids", (n,), np.int64, self)
        label_codes = expect_array(state, "label_codes", (n,), np.int32, self)
        source_codes = expect_array(state, "source_codes", (n,), np.int32, self)
        times = expect_array(state, "times", (n,), np.float64, self)
        hits = expect_array(state, "hits", (n,), np.int64, self)
        pinned = expect_array(state, "pinned", (n,), np.bool_, self)
        added = expect_array(state, "added", (n,), np.int64, self)
        next_id = int(expect_scalar(state, "next_id", np.int64, self))
        next_seq = int(expect_scalar(state, "next_seq", np.int64, self))
        tables = []
        for name in ("labels", "sources"):
            value = state[name]
            if not isinstance(value, str):
                raise StateMismatchError(f"EnrollmentIndex: state entry {name!r} must be a string table")
            tables.append(value.split(_TABLE_SEP) if value else [])
        label_table, source_table = tables
        for name, codes, table in (("label_codes", label_codes, label_table),
                                   ("source_codes", source_codes, source_table)):
            if n and (codes.min() < 0 or codes.max() >= len(table)):
                raise StateMismatchError(f"EnrollmentIndex: state entry {name!r} points outside its table; reset the state")
        if n > self.capacity:
            raise StateMismatchError(
                f"EnrollmentIndex: the state holds {n} entries, over this index's capacity {self.capacity}; "
                "open it with a larger capacity"
            )
        if len(np.unique(ids)) != n or (n and (ids.max() >= next_id or added.max() >= next_seq)) or (hits < 0).any():
            raise StateMismatchError("EnrollmentIndex: the state's ids, counters or hits are inconsistent; reset the state")
        self._vectors, self._ids, self._times, self._hits = vectors, ids, times, hits
        self._labels = [label_table[c] for c in label_codes.tolist()]
        self._sources = [source_table[c] for c in source_codes.tolist()]
        self._pinned, self._added = pinned, added
        self._next_id, self._next_seq = next_id, next_seq
        self._faiss_index = None

    def __repr__(self) -> str:
        return f"EnrollmentIndex(dim={self.dim}, capacity={self.capacity}, eviction={self.eviction!r}, size={self.size})"
