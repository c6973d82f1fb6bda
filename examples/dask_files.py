"""Recipe (c): Dask, one task per file, with the loganon wheel in the
worker (`pip install ./python`): each file is read as bytes (gzip by its
content), split at `\\n` as the binary does, anonymized, and written gzip
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


def anonymize_file(path, out_dir, options=None, fail_once=None):
    """The task. `fail_once`: for tests, a marker path: the first attempt to
    find it missing fails after writing half of its output."""
    from loganon import Anonymizer

    with open(path, "rb") as f:
        raw = f.read()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    lines = data.split(b"\n")
    last = lines.pop() if lines else b""  # what follows the last \n ("" when it ends with one)
    a = Anonymizer(**(options or {}))
    name = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=6) as z:
            step = 10_000
            for k in range(0, len(lines), step):
                got = a.anonymize_lines(lines[k : k + step])
                z.write(b"".join(l + b"\n" for l in got))
                if fail_once is not None and not os.path.exists(fail_once):
                    open(fail_once, "w").close()
                    raise RuntimeError(f"injected failure while writing {name}")
            if last:
                z.write(b"".join(a.anonymize_lines([last])))
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
