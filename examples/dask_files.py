"""Recipe (c): Dask, one task per file, with the loganon wheel in the
worker (`pip install ./python`): each file is read (gzip by its content)
and anonymized as the binary reads it (`Anonymizer.anonymize_stream`, in
reads of 1 MiB: memory stays small whatever the file), and written gzip
into OUT under its own name, atomically (a temporary file beside it, then
a rename), so a task run again (Dask's `retries=`, or the job re-run)
gives the same bytes and leaves nothing half-written.

    python examples/dask_files.py OUT_DIR IN.gz...

The Anonymizer releases the GIL, so the threaded scheduler uses every
core; `scheduler="processes"` works too. Keyed modes: pass `key=` bytes in
`options` (read the key once on the client, e.g. from a secret store).
"""

import gzip
import os
import sys
import tempfile


class _FailOnce:
    """A writer that fails after its first write while `marker` is missing
    (and makes it): a task that dies half-way, for the tests."""

    def __init__(self, inner, marker, name):
        self.inner, self.marker, self.name = inner, marker, name

    def write(self, b):
        self.inner.write(b)
        if not os.path.exists(self.marker):
            open(self.marker, "w").close()
            raise RuntimeError(f"injected failure while writing {self.name}")


def anonymize_file(path, out_dir, options=None, fail_once=None):
    """The task. `fail_once`: for tests, a marker path: the first attempt to
    find it missing fails after writing part of its output."""
    from loganon import Anonymizer

    with open(path, "rb") as f:
        compressed = f.read(2) == b"\x1f\x8b"
    a = Anonymizer(**(options or {}))
    name = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as out, (gzip.open(path, "rb") if compressed else open(path, "rb")) as src:
            with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=6) as z:
                # the binary's loop: reads of 1 MiB, the lines as the binary
                # reads them, the work without the GIL
                a.anonymize_stream(src, z if fail_once is None else _FailOnce(z, fail_once, name), chunk_size=1 << 20)
        os.replace(tmp, os.path.join(out_dir, name))
    except BaseException:
        os.unlink(tmp)
        raise
    return name


def anonymize_files(paths, out_dir, options=None, scheduler="threads", fail_once=None, retries=1):
    """One Dask task per file; a failed task is run again up to `retries`
    times (what `dask.distributed`'s `retries=` does, here for the local
    schedulers)."""
    import dask

    os.makedirs(out_dir, exist_ok=True)

    def task(p):
        for attempt in range(retries + 1):
            try:
                return anonymize_file(p, out_dir, options, fail_once)
            except RuntimeError:
                if attempt == retries:
                    raise
        return None

    return list(dask.compute(*[dask.delayed(task)(p) for p in paths], scheduler=scheduler))


if __name__ == "__main__":
    print("\n".join(anonymize_files(sys.argv[2:], sys.argv[1])))
