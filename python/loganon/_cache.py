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
