//! Issue 12, item 4: `run`'s state: a state moved away never erases summary
//! rows, an older state is read and rewritten compact, and the state stays
//! small whatever the traffic (the tree and the running in `run_safety.rs`).

use std::fs;

use loganon::commands::run::cron::{FileId, State};
use loganon::summary::{net_hash, Day, Days, Summary, CSV_HEADER};

use crate::common::bin::{code, text};
use crate::common::civil::DAY;
use crate::run_safety::{line, Tree, JAN1};

fn csv(rows: &[&str]) -> String {
    let mut s = format!("{CSV_HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

#[test]
fn a_state_moved_away_never_erases_summary_rows() {
    let t = Tree::new();
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\ndelete_after = \"10d\"\nsummary = \"@/web.csv\"\n",
    );
    let one = [line("192.0.2.7", 1, 200, 100), line("198.51.100.9", 1, 404, 7)].concat();
    let a = t.log("logs/access.log-20260101", &one, JAN1 + DAY - 1);
    let o = t.run(&["--now", "2026-01-20"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!a.exists());
    let first = csv(&["2026-01-01,2,107,1,0,1,0,0,2,0"]);
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), first);

    // a state moved away (the summary keeps its rows and what it counted)
    fs::rename(t.p("state"), t.p("state.old")).unwrap();
    let two = [line("192.0.2.99", 1, 500, 3), line("203.0.113.5", 2, 301, 10)].concat();
    let b = t.log("logs/access.log-20260102", &two, JAN1 + 2 * DAY - 1);
    let o = t.run(&["--now", "2026-01-21"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!b.exists());
    // 2026-01-01 keeps its deleted file's totals and adds the late line
    // (its network 192.0.2.0 was counted before: the count is a lower bound
    // after a reset, here exact)
    let second = csv(&["2026-01-01,3,110,1,0,1,1,0,2,0", "2026-01-02,1,10,0,1,0,0,0,1,0"]);
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), second);

    // and again with no state at all and nothing to do: the rows stay
    fs::remove_dir_all(t.p("state")).unwrap();
    let o = t.run(&["--now", "2026-01-22"]);
    assert_eq!(code(&o), 0);
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), second);

    // a CSV that is not ours is never overwritten, and no file is deleted
    let broken = format!("{second}2026-01-03,1,2\n");
    fs::write(t.p("web.csv"), &broken).unwrap();
    let c = t.log(
        "logs/access.log-20260103",
        &line("192.0.2.1", 3, 200, 1),
        JAN1 + 3 * DAY - 1,
    );
    let o = t.run(&["--now", "2026-01-23"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        text(&o.stderr),
        format!(
            "loganon: {}: line 4 is not a row of the summary (a date and 9 numbers); nothing was done for \
             [[logs]] 'web' (its rows would be lost): fix the line or move the file away\n",
            t.s("web.csv")
        ),
        "the error, once"
    );
    assert_eq!(
        text(&o.stdout),
        "run: anonymized 0, summarized 0, deleted 0, already done 0, errors 1\n"
    );
    assert!(c.exists());
    assert_eq!(fs::read_to_string(t.p("web.csv")).unwrap(), broken);
}

#[test]
fn an_old_state_with_network_lists_is_read_and_rewritten_compact() {
    let t = Tree::new();
    t.config(
        "",
        "[[logs]]\nname = \"web\"\npaths = [\"@/logs/access.log-*\"]\ndelete_after = \"10d\"\nsummary = \"@/web.csv\"\n",
    );
    fs::create_dir(t.p("state")).unwrap();
    // the state as the previous version wrote it: networks as text
    let old = r#"{
  "anonymized": {},
  "summaries": {
    "web": {
      "days": {
        "2026-01-01": {
          "requests": 2, "bytes": 107, "status_2xx": 1, "status_3xx": 0, "status_4xx": 1,
          "status_5xx": 0, "status_other": 0, "networks": 2,
          "nets": ["192.0.2.0", "198.51.100.0"]
        }
      },
      "counted": ["gone|1|2|3"]
    }
  }
}"#;
    fs::write(t.p("state/state.json"), old).unwrap();
    t.log(
        "logs/access.log-20260102",
        &line("198.51.100.1", 1, 200, 5),
        JAN1 + 2 * DAY - 1,
    );
    let o = t.run(&["--now", "2026-01-21"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    // 198.51.100.0 was known: still two networks
    assert_eq!(
        fs::read_to_string(t.p("web.csv")).unwrap(),
        csv(&["2026-01-01,3,112,2,0,1,0,0,2,0"])
    );
    let state = fs::read_to_string(t.p("state/state.json")).unwrap();
    assert!(
        !state.contains("\"nets\"") && !state.contains("198.51.100.0"),
        "{state}"
    );
}

/// The state of 30 days of `per_day` distinct networks (1M lines a day in
/// the measurement), every day's file counted and deleted the next day.
fn state_after_30_days(per_day: u32) -> State {
    let mut state = State::default();
    let mut sum = Summary::default();
    for day in 0..30u32 {
        let date = format!("2026-01-{:02}", day + 1);
        let mut d = Day {
            requests: 1_000_000,
            bytes: 5_000_000_000,
            status_2xx: 900_000,
            status_4xx: 100_000,
            ..Day::default()
        };
        for n in 0..per_day {
            let net = format!("{}.{}.{}.0", 1 + (n >> 16) % 223, (n >> 8) & 255, n & 255);
            d.distinct.insert(net_hash(net.as_bytes()));
        }
        let days: Days = [(date.clone(), d)].into_iter().collect();
        let path = format!("/var/log/nginx/access.log-202601{:02}.gz", day + 1);
        sum.add_file(&format!("{path}|{}|80000000|1767225600000000000", 1000 + day), &days);
        // the nightly prune: a week of rotation delay
        if day >= 8 {
            sum.prune_nets(&format!("2026-01-{:02}", day - 7));
        }
        state.anonymized.insert(
            format!("/var/log/nginx/access.log-202602{:02}.gz", day % 28 + 1),
            FileId {
                dev: 2049,
                ino: 5000 + u64::from(day),
                size: 80_000_000,
                mtime_ns: 1_767_225_600_000_000_000,
                ctime_ns: 1_767_225_600_000_000_000,
            },
        );
    }
    state.summaries.insert("nginx".into(), sum);
    state
}

#[test]
fn the_state_stays_small_whatever_the_traffic() {
    let size = |per_day| serde_json::to_vec_pretty(&state_after_30_days(per_day)).unwrap().len();
    // (counts of as many digits)
    let (small, big) = (size(12_000), size(60_000));
    // past the exact limit a date's networks take a fixed size
    assert_eq!(small, big);
    assert!(big < 300_000, "{big} bytes");
    let s = state_after_30_days(4_000);
    let d = &s.summaries["nginx"].days;
    assert_eq!(d.len(), 30);
    assert!(d["2026-01-30"].distinct.is_sketch());
    assert!(
        d["2026-01-01"].distinct.is_empty(),
        "closed dates keep their count only"
    );
    let n = d["2026-01-30"].networks as f64;
    assert!((n - 4000.0).abs() < 4000.0 * 0.03, "{n}");
}

/// `cargo test --test run_safety -- --ignored --nocapture`: the numbers of
/// docs/retention.md, "Safety of `run`" (100,000 distinct /24 networks a day out of 1M lines).
#[test]
#[ignore]
fn measure_the_state_after_30_days_of_1m_lines_a_day() {
    let s = state_after_30_days(100_000);
    let new = serde_json::to_vec_pretty(&s).unwrap().len();
    // the previous format: the open dates' networks as a list of text
    let mut old: serde_json::Value = serde_json::to_value(&s).unwrap();
    let mut open = 0;
    for d in old["summaries"]["nginx"]["days"].as_object_mut().unwrap().values_mut() {
        let d = d.as_object_mut().unwrap();
        if d.remove("distinct").is_some() {
            open += 1;
            let nets: Vec<String> = (0..100_000u32)
                .map(|n| format!("{}.{}.{}.0", 1 + (n >> 16) % 223, (n >> 8) & 255, n & 255))
                .collect();
            d.insert("nets".into(), nets.into());
        }
    }
    let before = serde_json::to_vec_pretty(&old).unwrap().len();
    println!("state after 30 days: {new} bytes ({open} open dates); the previous format: {before} bytes");
}
