//! Criterion benchmark of the per-line engine (no I/O):
//! `cargo bench --bench engine`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use loganon::check::Checker;
use loganon::{Engine, Stats};

#[path = "genlog.rs"]
mod genlog;

fn generated(lines: u64) -> Vec<u8> {
    let mut v = Vec::new();
    genlog::generate(lines, genlog::DEFAULT_SEED, &mut v).expect("generate into memory");
    v
}

fn engine(c: &mut Criterion) {
    let data = generated(20_000);
    let engine = Engine::default();
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Bytes(data.len() as u64));
    let mut out = Vec::with_capacity(data.len() * 2);
    g.bench_function("chunk/combined-20k-lines", |b| {
        b.iter(|| {
            out.clear();
            let mut stats = Stats::default();
            engine.chunk(black_box(&data), 1, 0, &mut out, &mut stats).ok();
            black_box(out.len())
        })
    });
    g.bench_function("check/combined-20k-lines", |b| {
        let checker = Checker::default();
        b.iter(|| {
            let mut r = loganon::check::Report::default();
            checker.chunk(black_box(&data), "bench", 1, &mut r);
            black_box(r.total())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("line");
    let lines: [(&str, &[u8]); 3] = [
        ("combined", br#"83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png?session=abc HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36""#),
        ("ipv6-client", br#"2001:db8:85a3:8d3:1319:8a2e:370:7348 - - [01/Jan/2026:00:00:01 +0000] "GET /login?email=jane.doe%40example.com HTTP/1.1" 302 0 "-" "curl/8.4.0""#),
        ("unparsed", b"Nov 14 22:45:27 test haproxy[760]: 192.168.33.1:58444 [14/Nov/2015:22:45:25.439] main app/app1 1939/0/1/0/1940 403 5168 - - ---- 3/3/0/0/0 0/0 \"GET /?user=bob HTTP/1.1\""),
    ];
    for (name, line) in lines {
        g.throughput(Throughput::Bytes(line.len() as u64));
        let mut out = Vec::with_capacity(1024);
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let mut stats = Stats::default();
                engine.line(black_box(line), &mut out, &mut stats);
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
