"""The Python package against the binary: the same bytes for the same
lines and options, keyed modes with the key as bytes, W3C columns carried
across calls, Arrow arrays row for row, and `check`'s own detectors."""

import subprocess

import pytest

# reported as skipped (with why) where they cannot be imported
pa = pytest.importorskip("pyarrow", reason="needs pyarrow (pip install pyarrow)")
loganon = pytest.importorskip("loganon", reason="needs the loganon wheel (maturin build -m python/Cargo.toml)")
Anonymizer = loganon.Anonymizer

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def binary_out(binary, data, *args, tmp_path=None):
    r = subprocess.run([binary, "anonymize", *args], input=data, capture_output=True, check=True)
    return r.stdout


def lines_of(data):
    """What the binary reads between two \\n (the last one may lack it)."""
    parts = data.split(b"\n")
    return parts[:-1] if parts[-1] == b"" else parts


def joined(lines, data):
    """Lines written back as the binary writes them."""
    out = b"\n".join(lines)
    return out + b"\n" if data.endswith(b"\n") else out


def test_sample_is_what_the_binary_writes(binary, root):
    data = (root / "testdata" / "sample.log").read_bytes()
    got = Anonymizer().anonymize_lines(lines_of(data))
    assert joined(got, data) == binary_out(binary, data)
    assert b"frank" not in b"".join(got)


def test_line_ends_are_kept(binary):
    data = b'1.2.3.4 - bob [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5\r\n5.6.7.8 x\r9.9.9.9 y\nlast 10.0.0.1'
    got = Anonymizer().anonymize_lines(lines_of(data))
    assert got[0].endswith(b"200 5\r")
    assert got[1] == b"5.6.7.0 x\r9.9.9.0 y"
    assert joined(got, data) == binary_out(binary, data)


def test_keyed_modes_take_the_key_as_bytes(binary, tmp_path):
    data = (
        b'198.51.100.7 - bob [01/Jan/2026:10:00:00 +0000] "GET /?email=a%40b.com HTTP/1.1" 200 5\n'
        b'{"remote_addr":"198.51.100.7","user":"bob"}\n'
    )
    key = tmp_path / "k.key"
    key.write_text(KEY + "\n")
    key.chmod(0o600)
    opts = ["--ip-mode", "cryptopan", "--identifiers", "hash", "--now", "2026-01-05"]
    want = binary_out(binary, data, *opts, "--key-file", str(key))
    for k in (bytes.fromhex(KEY), KEY, KEY.encode()):
        a = Anonymizer(ip_mode="cryptopan", identifiers="hash", key=k, now="2026-01-05")
        assert joined(a.anonymize_lines(lines_of(data)), data) == want
    # the undated JSON line takes the day of `now`
    other = Anonymizer(ip_mode="cryptopan", identifiers="hash", key=KEY, now="2026-02-05")
    a, b = other.anonymize_lines(lines_of(data)), lines_of(want)
    assert a[0] == b[0] and a[1] != b[1]
    with pytest.raises(ValueError, match="key"):
        Anonymizer(ip_mode="hash")
    with pytest.raises(ValueError, match="32 raw bytes or 64 hex"):
        Anonymizer(ip_mode="hash", key=b"short")


def test_ipcrypt_modes_as_the_binary_writes_them(binary, tmp_path):
    data = b'192.0.2.1 - - [01/Jan/2026:10:00:00 +0000] "GET /?ip=2001:db8::1 HTTP/1.1" 200 5\n'
    k16 = "2b7e151628aed2a6abf7158809cf4f3c"
    key = tmp_path / "k16.key"
    key.write_text(k16 + "\n")
    key.chmod(0o600)
    opts = ["--ip-mode", "ipcrypt-deterministic", "--rotate-key", "never"]
    want = binary_out(binary, data, *opts, "--key-file", str(key))
    # the draft's vector: 192.0.2.1 under this key
    assert want.startswith(b"1dbd:c1b9:fff1:7586:7d0b:67b4:e76e:4777 - - ")
    for k in (k16, bytes.fromhex(k16)):
        a = Anonymizer(ip_mode="ipcrypt-deterministic", rotate_key="never", key=k)
        assert joined(a.anonymize_lines(lines_of(data)), data) == want
    # nd: a new value each time, 48 hex digits, nothing of the address
    a = Anonymizer(ip_mode="ipcrypt-nd", key=KEY)
    one, two = a.anonymize_lines([data.rstrip(b"\n")] * 2)
    first = one.split(b" ")[0]
    assert len(first) == 48 and first != two.split(b" ")[0]
    assert b"192.0.2" not in one + two
    with pytest.raises(ValueError, match="16-byte key"):
        Anonymizer(ip_mode="ipcrypt-nd", rotate_key="never", key=KEY)


def test_w3c_columns_are_carried_across_calls(binary):
    header = b"#Fields: date time c-ip cs-username cs(Cookie) cs-uri-stem sc-status"
    rows = [b"2026-01-01 10:00:00 1.2.3.4 bob theme=dark /x 200", b"2026-01-01 10:00:01 1.2.3.9 carol a=b /y 404"]
    data = b"\n".join([header] + rows) + b"\n"
    want = lines_of(binary_out(binary, data))
    a = Anonymizer()
    got = a.anonymize_lines([header]) + a.anonymize_lines(rows[:1]) + a.anonymize_lines(rows[1:])
    assert got == want
    assert got[1] == b"2026-01-01 10:00:00 1.2.3.0 - REDACTED /x 200"
    # a new input forgets them; w3c_fields gives them
    a.reset()
    given = Anonymizer(w3c_fields=header.decode())
    assert given.anonymize_lines(rows) == want[1:]


def test_options_of_the_binary(binary):
    data = b'10.1.2.3 - - [01/Jan/2026:10:00:00 +0000] "GET /?name=photo.jpg&zz=1 HTTP/1.1" 200 5\n'
    want = binary_out(binary, data, "--keep-network", "10.0.0.0/8", "--keep-param", "name", "--redact-param", "zz",
                      "--ipv4-prefix", "16")
    got = Anonymizer(keep_network=["10.0.0.0/8"], keep_param="name", redact_param=["zz"], ipv4_prefix=16)
    assert joined(got.anonymize_lines(lines_of(data)), data) == want
    with pytest.raises(ValueError, match="ip_mode"):
        Anonymizer(ip_mode="rot13")
    with pytest.raises(ValueError, match="keep_network"):
        Anonymizer(keep_network=["10.0.0.0/33"])


def test_location_as_the_binary(binary):
    data = b'1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] "GET /?lat=48.858844&lng=2.294351 HTTP/1.1" 200 5\n'
    for given, flag in ((None, None), (4, "4"), ("0", "0"), ("drop", "drop"), ("keep", "keep")):
        want = binary_out(binary, data, *(["--location", flag] if flag else []))
        a = Anonymizer() if given is None else Anonymizer(location=given)
        assert joined(a.anonymize_lines(lines_of(data)), data) == want
    assert b"lat=48.85&lng=2.29 " in binary_out(binary, data)
    with pytest.raises(ValueError, match="location"):
        Anonymizer(location="far")


def test_unparsed_lines_fail_or_drop():
    lines = [b"1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5", b"???? 5.6.7.8"]
    with pytest.raises(ValueError, match="value 1") as e:
        Anonymizer(on_unparsed="fail").anonymize_lines(lines)
    assert b"5.6.7.8".decode() not in str(e.value)
    assert len(Anonymizer(on_unparsed="drop").anonymize_lines(lines)) == 1
    arr = Anonymizer(on_unparsed="drop").anonymize_arrow(pa.array(lines, pa.binary()))
    assert arr.to_pylist()[1] is None and arr.null_count == 1


def test_arrow_arrays_row_for_row(root):
    data = (root / "testdata" / "sample.log").read_bytes()
    lines = lines_of(data)
    want = Anonymizer().anonymize_lines(lines)
    for typ in (pa.binary(), pa.large_binary()):
        got = Anonymizer().anonymize_arrow(pa.array(lines, typ))
        assert got.type == pa.binary() and got.to_pylist() == want
    text = [l.decode("utf-8", "replace") for l in lines]
    s = Anonymizer().anonymize_arrow(pa.array(text, pa.string()))
    assert s.to_pylist() == Anonymizer().anonymize_lines([t.encode() for t in text])
    # a slice (an offset into the buffers), nulls, a chunked array
    arr = pa.array([None] + lines + [None], pa.binary())
    sl = arr.slice(1, 5)
    assert Anonymizer().anonymize_arrow(sl).to_pylist() == want[:5]
    got = Anonymizer().anonymize_arrow(arr).to_pylist()
    assert got[0] is None and got[-1] is None and got[1:-1] == want
    ch = Anonymizer().anonymize_arrow(pa.chunked_array([lines[:3], lines[3:]], pa.binary()))
    assert ch.to_pylist() == want
    assert Anonymizer().anonymize_arrow(pa.array([], pa.binary())).to_pylist() == []
    with pytest.raises(TypeError):
        Anonymizer().anonymize_arrow(pa.array([1, 2]))


def test_check_lines_finds_what_anonymize_removes(root):
    lines = lines_of((root / "testdata" / "sample.log").read_bytes())
    a = Anonymizer()
    raw = a.check_lines(lines)
    assert raw["findings"] > 10 and raw["lines"] == len(lines)
    assert all("@" not in f["value"] for f in raw["first"])
    clean = Anonymizer().check_lines(a.anonymize_lines(lines))
    assert clean["findings"] == 0, clean
    st = a.stats()
    assert st["lines_read"] == len(lines) and st["addresses"] > 0


def test_str_bytes_and_none_alike(binary):
    data = b'198.51.100.7 - bob [01/Jan/2026:10:00:00 +0000] "GET /caf\xc3\xa9?email=a%40b.com HTTP/1.1" 200 5\n'
    want = lines_of(binary_out(binary, data))[0]
    a = Anonymizer()
    line = data.rstrip(b"\n")
    got = a.anonymize_lines([line, line.decode(), None, bytearray(line), memoryview(line)])
    assert got == [want, want.decode(), None, want, want]
    # a str holding bytes that are not UTF-8 (surrogateescape) keeps them
    odd = b"198.51.100.7 \xff\xfe x"
    got = a.anonymize_lines([odd.decode("utf-8", "surrogateescape")])
    assert got[0].encode("utf-8", "surrogateescape") == a.anonymize_lines([odd])[0]
    with pytest.raises(TypeError, match="value 1 is a int"):
        a.anonymize_lines([line, 5])


def test_options_are_keywords_with_errors_that_name_them():
    import inspect

    params = inspect.signature(Anonymizer.__init__).parameters
    for name in ("format", "ipv4_prefix", "ipv6_prefix", "ip_mode", "identifiers", "rotate_key", "key",
                 "keep_network", "redact_param", "keep_param", "on_unparsed", "w3c_fields", "max_age",
                 "now", "location"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert name in Anonymizer.__doc__, name
    with pytest.raises(ValueError, match="ipv4_prefix=-1"):
        Anonymizer(ipv4_prefix=-1)
    with pytest.raises(ValueError, match="ipv6_prefix=129"):
        Anonymizer(ipv6_prefix=129)
    with pytest.raises(TypeError, match="ipv4_prefix"):
        Anonymizer(ipv4_prefix="24")
    with pytest.raises(ValueError, match="key: ip_mode='truncate'"):
        Anonymizer(key=KEY)
    with pytest.raises(ValueError, match="ip_mode"):
        Anonymizer(ip_mode="crypto-pan", key=KEY)
    with pytest.raises(TypeError):
        Anonymizer(colour="red")
    # the key is used when something uses it
    assert Anonymizer(identifiers="hash", key=KEY).anonymize_lines([b"x bob@example.com"]) != [b"x REDACTED"]


def test_stubs_and_py_typed_ship_with_the_package():
    import pathlib

    import loganon

    here = pathlib.Path(loganon.__file__).parent
    assert (here / "py.typed").exists()
    stub = (here / "__init__.pyi").read_text()
    assert "def anonymize_lines" in stub and "ipcrypt-ndx" in stub


def test_a_shared_anonymizer_gives_each_thread_the_same_bytes(root):
    from concurrent.futures import ThreadPoolExecutor

    data = (root / "testdata" / "sample.log").read_bytes()
    lines = lines_of(data) * 200
    want = Anonymizer().anonymize_lines(lines)
    shared = Anonymizer()
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(shared.anonymize_lines, [lines] * 8))
    assert all(g == want for g in got)
    # the counters of every call, whichever context it ran in
    assert shared.stats()["lines_read"] == 8 * len(lines)


def test_a_line_longer_than_the_binary_holds_whole_gives_the_same_bytes(binary):
    # over 16 MiB: the binary writes it in pieces, cut at separators
    line = b"198.51.100.7 - - " + b"GET /?u=alice@example.org&ip=203.0.113.9 " * 420_000 + b"end"
    assert len(line) > 16 * 1024 * 1024
    want = binary_out(binary, line + b"\n")
    got = Anonymizer().anonymize_lines([line])
    assert len(got) == 1
    assert got[0] + b"\n" == want
    assert b"alice@" not in got[0] and b"203.0.113.9" not in got[0]


def kanon_log():
    """Two days; on the first, 198.51.100.0/24 has 3 clients, 203.0.113.0/24
    one; on the second, 198.51.100.0/24 one."""
    rows = []
    for host, day in [(7, "01"), (8, "01"), (9, "01"), (7, "01"), (5, "02")]:
        rows.append(f'198.51.100.{host} - - [{day}/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5'.encode())
    rows.append(b'203.0.113.9 - - [01/Jan/2026:11:00:00 +0000] "GET /x HTTP/1.1" 200 5')
    rows.append(b'2001:db8:1:2::9 - - [01/Jan/2026:11:00:00 +0000] "GET /x HTTP/1.1" 200 5')
    return rows


def test_min_k_in_two_passes_with_counts_merged_across_processes_is_the_binarys(binary, tmp_path):
    import pickle

    rows = kanon_log()
    data = b"\n".join(rows) + b"\n"
    f = tmp_path / "k.log"
    f.write_bytes(data)
    want = lines_of(subprocess.run([binary, "anonymize", "--min-k", "3", str(f)], capture_output=True, check=True).stdout)
    # each half counted by an Anonymizer of its own (a task), the counts
    # carried as bytes and as a pickle (another process), merged, planned once
    halves = [rows[::2], rows[1::2]]
    counts = [Anonymizer().count_lines(h, min_k=3) for h in halves]
    merged = loganon.Counts.from_bytes(counts[0].to_bytes())
    merged.merge(pickle.loads(pickle.dumps(counts[1])))
    planner = Anonymizer()
    plan = planner.plan(merged, min_k=3)
    got = [Anonymizer().anonymize_lines(h, plan=plan) for h in halves]
    # the halves' lines back in the input's order
    out = [None] * len(rows)
    out[::2], out[1::2] = got[0], got[1]
    assert out == want
    # widened: not what truncation alone writes (the single clients' networks go wider)
    assert out != Anonymizer().anonymize_lines(rows)
    report = plan.report()
    assert isinstance(report, dict) and report
    # without the plan, plain truncation
    assert Anonymizer().anonymize_lines(rows[4:5])[0].startswith(b"198.51.100.0 ")


def test_min_k_refuses_what_it_cannot_do():
    rows = kanon_log()
    with pytest.raises(ValueError, match="min_k=1"):
        Anonymizer().count_lines(rows, min_k=1)
    with pytest.raises(ValueError, match="truncate"):
        Anonymizer(ip_mode="hash", key=KEY).count_lines(rows, min_k=3)
    c16 = Anonymizer(ipv4_prefix=16).count_lines(rows, min_k=3)
    with pytest.raises(ValueError, match="cannot be merged"):
        Anonymizer().count_lines(rows, min_k=3).merge(c16)
    with pytest.raises(ValueError, match="planned with"):
        Anonymizer().plan(c16, min_k=3)
    plan = Anonymizer().plan(Anonymizer().count_lines(rows, min_k=3), min_k=3)
    with pytest.raises(ValueError, match="used with"):
        Anonymizer(ipv4_prefix=16).anonymize_lines(rows, plan=plan)
    with pytest.raises(ValueError, match="no LGKP header"):
        loganon.Counts.from_bytes(b"nonsense")
    with pytest.raises(ValueError, match="not loganon counts"):
        loganon.Counts.from_bytes(b"LGKP\x18\x30" + b"\x00" * 9)


def mixed_input(root):
    """sample.log, then W3C under its #Fields:, JSON lines, \\r\\n and lone
    \\r ends, bytes that are not UTF-8, a line over 16 MiB, a last line
    without its \\n."""
    return (
        (root / "testdata" / "sample.log").read_bytes()
        + b"#Fields: date time c-ip cs-username cs-uri-stem sc-status\n"
        + b"2026-01-01 10:00:00 1.2.3.4 bob /x 200\r\n2026-01-01 10:00:01 1.2.3.9 carol /y 404\r"
        + b'{"remote_addr":"198.51.100.7","user":"dave","q":"mail=e@example.com"}\n'
        + b"203.0.113.9 - - [01/Jan/2026:10:00:00 +0000] \"GET /\xff\xfe?u=alice@example.org HTTP/1.1\" 200 5\n"
        + b"198.51.100.7 - - " + b"GET /?u=alice@example.org&ip=203.0.113.9 " * 420_000 + b"\n"
        + b"5.6.7.8 last"
    )


def test_text_and_stream_are_what_the_binary_writes_for_the_whole_input(binary, root):
    import io

    data = mixed_input(root)
    want = binary_out(binary, data)
    assert Anonymizer().anonymize_text(data) == want
    # the same text as str gives the str of those bytes
    text = data.decode("utf-8", "surrogateescape")
    got = Anonymizer().anonymize_text(text)
    assert isinstance(got, str) and got.encode("utf-8", "surrogateescape") == want
    assert Anonymizer().anonymize_text(None) is None
    # reads cut anywhere: inside lines, between \r and \n, inside the long line
    for size in (1 << 22, 1 << 20, 65_537, 4096, 7):
        if size < 4096:
            small = data[:200_000] + b"\n" + data[-120:]
            w = io.BytesIO()
            n = Anonymizer().anonymize_stream(io.BytesIO(small), w, chunk_size=size)
            assert w.getvalue() == binary_out(binary, small) and n == len(w.getvalue())
            continue
        w = io.BytesIO()
        n = Anonymizer().anonymize_stream(io.BytesIO(data), w, chunk_size=size)
        assert w.getvalue() == want, size
        assert n == len(want)
    assert b"alice@" not in want and b"203.0.113.9" not in want and b"carol" not in want


def test_text_and_stream_fail_drop_and_refuse_as_documented(tmp_path):
    import io

    data = b'1.2.3.4 - - [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n???? 5.6.7.8\n'
    with pytest.raises(ValueError, match="line 2 of the input") as e:
        Anonymizer(on_unparsed="fail").anonymize_text(data)
    assert "5.6.7.8" not in str(e.value)
    with pytest.raises(ValueError, match="line 2 of the input"):
        Anonymizer(on_unparsed="fail").anonymize_stream(io.BytesIO(data), io.BytesIO(), chunk_size=3)
    assert Anonymizer(on_unparsed="drop").anonymize_text(data).count(b"\n") == 1
    f = tmp_path / "in.log"
    f.write_bytes(data)
    with open(f) as text_mode, pytest.raises(TypeError, match='"rb"'):
        Anonymizer().anonymize_stream(text_mode, io.BytesIO())
    with pytest.raises(ValueError, match="chunk_size"):
        Anonymizer().anonymize_stream(io.BytesIO(data), io.BytesIO(), chunk_size=0)


def test_stream_joins_split_records_and_starts_each_input_anew(binary):
    import io

    # a container runtime's line split into records (P, then F) with the
    # address cut between them: joined whatever the reads, as the binary does
    cri = (
        b"2026-01-01T10:00:00.000000000Z stdout P 198.51.\n"
        b"2026-01-01T10:00:00.000000001Z stdout F 100.7 - bob [01/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n"
    )
    data = cri * 3
    want = binary_out(binary, data)
    assert b"198.51.100.0 - - [" in want and b"100.7" not in want and b"bob" not in want
    for size in (1, 7, 40, 49, 50, 51, len(cri), 1 << 20):
        w = io.BytesIO()
        Anonymizer().anonymize_stream(io.BytesIO(data), w, chunk_size=size)
        assert w.getvalue() == want, size
    assert Anonymizer().anonymize_text(data) == want

    # each stream is an input of its own: the W3C columns of the one before
    # do not carry into it, and the calls' own columns are kept for them
    w3c = b"#Fields: date time c-ip cs-username cs-uri-stem sc-status\n2026-01-01 10:00:00 1.2.3.4 bob /x 200\n"
    row = b"2026-01-01 10:00:00 1.2.3.4 bob /x 200\n"
    a = Anonymizer()
    a.anonymize_lines([b"#Fields: date time cs-uri-stem c-ip sc-status cs-username"])
    first, second = io.BytesIO(), io.BytesIO()
    a.anonymize_stream(io.BytesIO(w3c), first)
    a.anonymize_stream(io.BytesIO(row), second)
    assert first.getvalue() == binary_out(binary, w3c)
    assert second.getvalue() == binary_out(binary, row)
    # (the lines' own input: its columns still in force)
    assert a.anonymize_lines([b"2026-01-01 10:00:00 /y 5.6.7.8 200 carol"]) == [b"2026-01-01 10:00:00 /y 5.6.7.0 200 -"]


def test_stream_takes_bytes_like_reads_and_writers_that_take_part():
    import io

    data = b'1.2.3.4 - bob [01/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n' * 20
    want = Anonymizer().anonymize_text(data)

    class ByteArrays(io.RawIOBase):
        def __init__(self, b):
            self.inner = io.BytesIO(b)

        def read(self, n=-1):
            return bytearray(self.inner.read(n))

    class FiveAtATime:
        def __init__(self):
            self.got = bytearray()

        def write(self, b):
            self.got += bytes(b[:5])
            return min(5, len(b))

    w = FiveAtATime()
    n = Anonymizer().anonymize_stream(ByteArrays(data), w, chunk_size=100)
    assert bytes(w.got) == want and n == len(want)

    class Stuck:
        def write(self, b):
            return 0

    with pytest.raises(ValueError, match="took 0 bytes"):
        Anonymizer().anonymize_stream(io.BytesIO(data), Stuck())
