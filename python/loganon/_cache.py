"""One Anonymizer per worker process and options, made where it is used
(an executor, a Dask worker): the options travel in a task, the key does
not (give ``key_file=`` or ``key_env=``, read on the worker)."""

import threading

_LOCK = threading.Lock()
_MADE = {}


def anonymizer(options):
    from . import Anonymizer

    if "key" in options:
        raise ValueError(
            "key=: give key_file= (a path on the workers) or key_env= (a variable set by the cluster's "
            "secret mechanism): a key in the options would travel in every task"
        )
    name = repr(sorted(options.items()))
    with _LOCK:
        a = _MADE.get(name)
        if a is None:
            a = _MADE[name] = Anonymizer(**options)
        return a


_PLANS = {}


def plan(a, counts_bytes, min_k):
    """The plan of these counts for this worker's Anonymizer, made once per
    process (a plan costs a pass over the counts)."""
    from . import Counts

    name = (id(a), hash(counts_bytes), len(counts_bytes), min_k)
    with _LOCK:
        p = _PLANS.get(name)
    if p is None:
        p = a.plan(Counts.from_bytes(counts_bytes), min_k=min_k)
        with _LOCK:
            _PLANS[name] = p
    return p
