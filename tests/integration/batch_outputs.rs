//! Batch mode's outputs: an existing output (refused, or replaced with
//! `--force`, never over an input), one output `-o FILE` for all inputs, and
//! the stats per file and in total (inputs and running in `batch.rs`).

use std::path::Path;

use crate::batch::{
    assert_no_temps, assert_same, gen, messages, mkdir, ok, out_of, read, run_batch, system_gzip, truncated_gz, write,
    Log,
};
use crate::common::bin::{text, Arg};
use crate::common::files::{names, tempdir};
use crate::common::gz::{gunzip, gzip, is_gzip};

// ---------------------------------------------------------------- 6. overwrite

#[test]
fn existing_output_is_refused_without_force_and_replaced_with_force() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let a = gen(100000, 30_000);
    let b = gen(110000, 30_000);
    let a_in = src.join("a.log");
    let b_in = src.join("b.log");
    write(&a_in, &a.input);
    write(&b_in, &b.input);
    let existing = out.join("a.log");
    write(&existing, b"old output\n");

    let r = run_batch(&[&a_in, &b_in, &"--out-dir", &out]);
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let msgs = messages(&r.stderr);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains(&existing.display().to_string()) && msgs[0].contains("--force"),
        "{}",
        msgs[0]
    );
    assert_eq!(read(&existing), b"old output\n", "existing output changed");
    assert_same("b.log, not blocked by a.log", &read(&out.join("b.log")), &b.expected);
    assert_no_temps(&out);

    let r = run_batch(&[&a_in, &b_in, &"--out-dir", &out, &"--force"]);
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    assert_same("a.log replaced", &read(&existing), &a.expected);
    assert_same("b.log replaced", &read(&out.join("b.log")), &b.expected);
    assert_no_temps(&out);

    // the same for -o FILE
    let one = out.join("all.log");
    write(&one, b"old\n");
    let r = run_batch(&[&a_in, &b_in, &"-o", &one]);
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(read(&one), b"old\n");
    ok(&[&a_in, &b_in, &"-o", &one, &"--force"]);
    assert_same("all.log replaced", &read(&one), &[a.expected, b.expected].concat());
    assert_no_temps(&out);
}

#[test]
fn output_over_an_input_is_refused_even_with_force() {
    let d = tempdir();
    let src = d.path();
    let a = gen(120000, 20_000);
    let b = gen(130000, 20_000);
    let a_in = src.join("a.log");
    let b_in = src.join("b.log");
    write(&a_in, &a.input);
    write(&b_in, &b.input);
    for force in [false, true] {
        let mut args: Vec<Arg> = vec![&a_in, &"--out-dir", &src];
        if force {
            args.push(&"--force");
        }
        let r = run_batch(&args);
        assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
        assert!(
            r.stderr.contains(&a_in.display().to_string()) && r.stderr.contains("overwrite an input"),
            "{}",
            r.stderr
        );
        assert_eq!(read(&a_in), a.input, "the input was overwritten");

        let mut args: Vec<Arg> = vec![&a_in, &b_in, &"-o", &b_in];
        if force {
            args.push(&"--force");
        }
        let r = run_batch(&args);
        assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
        assert!(r.stderr.contains("overwrite an input"), "{}", r.stderr);
        assert_eq!(read(&a_in), a.input);
        assert_eq!(read(&b_in), b.input, "the -o input was overwritten");
        assert_no_temps(src);
        assert_eq!(names(src), ["a.log", "b.log"]);
    }
}

// ---------------------------------------------------------------- 7. -o FILE

#[test]
fn one_output_holds_all_inputs_in_order() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let logs: Vec<Log> = (0..3).map(|k| gen(200000 + k * 10000, 300_000)).collect();
    let paths = [src.join("1.log"), src.join("2.log.gz"), src.join("3.log")];
    write(&paths[0], &logs[0].input);
    write(&paths[1], &gzip(&logs[1].input));
    write(&paths[2], &logs[2].input);
    let all: Vec<u8> = logs.iter().flat_map(|l| l.expected.clone()).collect();

    let one = out.join("all.log");
    ok(&[&paths[0], &paths[1], &paths[2], &"-o", &one, &"-j", &"2"]);
    let got = read(&one);
    assert!(!is_gzip(&got), "a plain name gives plain output");
    assert_same("-o all.log", &got, &all);

    let one_gz = out.join("all.log.gz");
    ok(&[&paths[0], &paths[1], &paths[2], &"-o", &one_gz, &"-j", &"2"]);
    let (tested, _) = system_gzip(&["-t"], &one_gz);
    assert!(tested, "gzip -t rejects all.log.gz");
    assert_same("-o all.log.gz", &gunzip(&read(&one_gz)), &all);
    assert_no_temps(&out);
}

#[test]
fn one_output_leaves_out_a_failing_input_entirely() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let a = gen(300000, 300_000);
    let b = gen(310000, 600_000);
    let c = gen(320000, 300_000);
    let (pa, pb, pc) = (src.join("a.log"), src.join("b.log.gz"), src.join("c.log"));
    write(&pa, &a.input);
    // decodes for a while (several chunks' worth of lines) before it breaks
    let broken = truncated_gz(&b.input);
    write(&pb, &broken);
    write(&pc, &c.input);
    let want = [a.expected.clone(), c.expected.clone()].concat();

    for name in ["all.log", "all.log.gz"] {
        let one = out.join(name);
        let r = run_batch(&[&pa, &pb, &pc, &"-o", &one, &"-j", &"2"]);
        assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
        let msgs = messages(&r.stderr);
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].contains(&pb.display().to_string()) && msgs[0].contains("compressed byte"),
            "{}",
            msgs[0]
        );
        let got = read(&one);
        let got = if name.ends_with(".gz") {
            let (tested, _) = system_gzip(&["-t"], &one);
            assert!(tested, "gzip -t rejects {name}");
            gunzip(&got)
        } else {
            got
        };
        assert_same(name, &got, &want);
        assert_eq!(read(&pb), broken);
        assert_no_temps(&out);
    }
}

#[test]
fn one_output_ends_each_input_with_a_newline() {
    let d = tempdir();
    let a = d.path().join("a.log");
    let b = d.path().join("b.log");
    write(
        &a,
        b"1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1",
    );
    write(
        &b,
        b"5.6.7.8 - - [01/Jan/2026:00:00:00 +0000] \"GET /b HTTP/1.1\" 200 1\n",
    );
    let one = d.path().join("all.log");
    ok(&[&a, &b, &"-o", &one]);
    assert_eq!(
        text(&read(&one)),
        "1.2.3.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1\n\
         5.6.7.0 - - [01/Jan/2026:00:00:00 +0000] \"GET /b HTTP/1.1\" 200 1\n"
    );
}

// ---------------------------------------------------------------- 9. stats

#[test]
fn stats_json_per_file_and_total() {
    let d = tempdir();
    let src = mkdir(d.path(), "in");
    let out = mkdir(d.path(), "out");
    let a = gen(500000, 100_000);
    let b = gen(510000, 200_000);
    let pa = src.join("a.log");
    let pb = src.join("b.log.gz");
    let missing = src.join("missing.log");
    write(&pa, &a.input);
    write(&pb, &gzip(&b.input));

    let r = run_batch(&[&pa, &missing, &pb, &"--out-dir", &out, &"--stats", &"json"]);
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let json_lines: Vec<&str> = r.stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(json_lines.len(), 1, "stderr: {}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(json_lines[0]).unwrap();

    let files = j["files"].as_array().expect("files array");
    assert_eq!(files.len(), 3, "{j}");
    let s = |p: &Path| p.display().to_string();
    let logs = [(&pa, Some(&a)), (&missing, None), (&pb, Some(&b))];
    for (f, (path, log)) in files.iter().zip(logs) {
        assert_eq!(f["input"], s(path), "{f}");
        match log {
            Some(log) => {
                assert_eq!(f["output"], s(&out_of(&out, path)), "{f}");
                assert!(f["error"].is_null(), "{f}");
                assert_eq!(f["lines_read"], log.lines as u64, "{f}");
                assert_eq!(f["lines_written"], log.lines as u64, "{f}");
                assert_eq!(f["bytes_in"], log.input.len() as u64, "{f}");
                assert!(f["addresses"].as_u64().unwrap() > 0, "{f}");
                assert!(f["identifiers"].as_u64().unwrap() > 0, "{f}");
            }
            None => {
                assert!(f["output"].is_null(), "{f}");
                let e = f["error"].as_str().expect("error text");
                assert!(e.contains(&s(path)), "{e}");
                assert_eq!(f["lines_read"], 0, "{f}");
            }
        }
    }
    assert_eq!(f_u64(&files[0], "bytes_out"), a.expected.len() as u64);

    let t = &j["total"];
    assert_eq!(t["files"], 2, "{t}");
    assert_eq!(t["files_failed"], 1, "{t}");
    assert_eq!(t["lines_read"], (a.lines + b.lines) as u64, "{t}");
    assert_eq!(t["lines_written"], (a.lines + b.lines) as u64, "{t}");
    assert_eq!(t["bytes_in"], (a.input.len() + b.input.len()) as u64, "{t}");
    for key in ["addresses", "identifiers", "bytes_out", "unparsed", "parsed"] {
        let sum: u64 = files.iter().map(|f| f_u64(f, key)).sum();
        assert_eq!(f_u64(t, key), sum, "total {key} is the sum over files");
    }
    let mbs = t["mb_per_s"].as_f64().expect("mb_per_s number");
    assert!(mbs.is_finite() && mbs >= 0.0, "{t}");
    assert!(t["seconds"].as_f64().is_some(), "{t}");

    assert_same("a.log output", &read(&out.join("a.log")), &a.expected);
    assert_same("b.log.gz output", &gunzip(&read(&out.join("b.log.gz"))), &b.expected);
}

fn f_u64(v: &serde_json::Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} is not a count in {v}"))
}
