//! Each rotated file anonymized once and counted once: RHEL's `dateext`
//! rotation with `delaycompress`, a file changed after it was counted, the
//! records of an older state (helpers in `rotation.rs`).

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::MetadataExt;

use crate::common::bin::{assert_exit, text};
use crate::common::civil::{date_string, days_from_civil, DAY};
use crate::common::files::set_mtime;
use crate::common::gz::gzip;
use crate::common::rng::Rng;
use crate::rotation::{assert_lines, day_log, expected_csv, site, Kind, Site};

/// RHEL's `dateext` with `delaycompress`: `access.log` becomes
/// `access.log-DATE`, compressed the next night, deleted after `rotate 5`.
#[test]
fn dateext_rotation_with_delaycompress_anonymizes_each_file_once() {
    let start = days_from_civil(2025, 3, 1) * DAY;
    let s = site(Kind::Clf, "90d");
    fs::write(
        &s.config,
        fs::read_to_string(&s.config)
            .unwrap()
            .replace("/access.log.*\"", "/access.log-*\""),
    )
    .unwrap();
    let mut rng = Rng(0x0DA7_E000);
    let mut raws: Vec<Vec<u8>> = Vec::new();
    let mut dated: Vec<String> = Vec::new();
    for night in 0..10i64 {
        let day = start + night * DAY;
        let raw = day_log(Kind::Clf, &mut rng, day, 25);
        fs::write(s.p("access.log"), &raw).unwrap();
        set_mtime(&s.p("access.log"), day + DAY - 60);
        raws.push(raw);
        // logrotate: rotate 5, dateext (the date of the rotation), delaycompress
        if dated.len() == 5 {
            fs::remove_file(s.p(&format!("{}.gz", dated.remove(0)))).unwrap();
        }
        if let Some(last) = dated.last() {
            let (from, to) = (s.p(last), s.p(&format!("{last}.gz")));
            let mtime = fs::metadata(&from).unwrap().mtime();
            fs::write(&to, gzip(&fs::read(&from).unwrap())).unwrap();
            set_mtime(&to, mtime);
            fs::remove_file(&from).unwrap();
        }
        let name = format!("access.log-{}", date_string(day + DAY).replace('-', ""));
        fs::rename(s.p("access.log"), s.p(&name)).unwrap();
        File::create(s.p("access.log")).unwrap();
        dated.push(name.clone());
        let o = s.run(day + DAY + 7 * 3600 - 60, &[]);
        assert_exit(&o, 0);
        let p = s.p(&name).display().to_string();
        assert_lines(
            &o.stdout,
            &[
                format!("anonymized {p} lines=25 *"),
                format!("summarized {p} dates=*"),
                format!(
                    "run: anonymized 1, summarized 1, deleted 0, already done {}, errors 0",
                    dated.len() - 1
                ),
            ],
            &format!("night {}", night + 1),
        );
        let all: Vec<&[u8]> = raws.iter().map(Vec::as_slice).collect();
        assert_eq!(
            fs::read_to_string(&s.csv).unwrap(),
            expected_csv(&all),
            "night {}",
            night + 1
        );
        let names: BTreeSet<String> = s.rotated_dated();
        assert_eq!(s.state_paths(), (names.clone(), names), "night {}", night + 1);
    }
}

impl Site {
    /// The names of the date-suffixed files.
    fn rotated_dated(&self) -> BTreeSet<String> {
        fs::read_dir(&self.logs)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("access.log-"))
            .collect()
    }
}

/// A rotated file that gets more lines after it was anonymized (a late
/// writer) is anonymized again and counted with its new content only; the
/// figures of its first content are taken back.
#[test]
fn a_file_changed_after_it_was_counted_is_not_counted_twice() {
    let start = days_from_civil(2025, 3, 1) * DAY;
    let s = site(Kind::Clf, "90d");
    let mut rng = Rng(0xC4A1);
    let first = day_log(Kind::Clf, &mut rng, start, 20);
    let path = s.p("access.log.1");
    fs::write(&path, &first).unwrap();
    set_mtime(&path, start + DAY - 60);
    let now = start + DAY + 7 * 3600;
    assert_exit(&s.run(now, &[]), 0);
    assert_eq!(fs::read_to_string(&s.csv).unwrap(), expected_csv(&[&first]));
    // the late writer appends raw lines
    let more = day_log(Kind::Clf, &mut rng, start, 7);
    let mut f = File::options().append(true).open(&path).unwrap();
    f.write_all(&more).unwrap();
    drop(f);
    set_mtime(&path, start + DAY - 30);
    let o = s.run(now, &[]);
    assert_exit(&o, 0);
    let p = path.display().to_string();
    assert_lines(
        &o.stdout,
        &[
            format!("changed {p}: modified since it was anonymized; anonymizing again"),
            format!("anonymized {p} lines=27 *"),
            format!("summarized {p} dates=*"),
            "run: anonymized 1, summarized 1, deleted 0, already done 0, errors 0".into(),
        ],
        "changed",
    );
    // requests, bytes and statuses of both parts once (networks: a union)
    assert_eq!(fs::read_to_string(&s.csv).unwrap(), expected_csv(&[&first, &more]));
    let o = s.run(now, &[]);
    assert_eq!(
        text(&o.stdout),
        "run: anonymized 0, summarized 0, deleted 0, already done 1, errors 0\n"
    );
}

/// A state written before file prints existed: its files are known by path
/// as before; a file it lists that is then renamed is anonymized once more
/// (nothing tells it is the same), and from then on known wherever it goes.
#[test]
fn records_of_an_older_state_are_kept_and_completed() {
    let start = days_from_civil(2025, 3, 1) * DAY;
    let s = site(Kind::Clf, "90d");
    let mut rng = Rng(0x01D5);
    let raw = day_log(Kind::Clf, &mut rng, start, 10);
    let path = s.p("access.log.1");
    fs::write(&path, &raw).unwrap();
    set_mtime(&path, start + DAY - 60);
    let now = start + DAY + 7 * 3600;
    assert_exit(&s.run(now, &[]), 0);
    // back to the older form: no prints, no content key
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&s.state).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("prints");
    fs::write(&s.state, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = s.run(now, &[]);
    assert_eq!(
        text(&o.stdout),
        "run: anonymized 0, summarized 0, deleted 0, already done 1, errors 0\n"
    );
    // renamed: anonymized again (idempotent), its content already counted
    fs::rename(&path, s.p("access.log.2")).unwrap();
    let o = s.run(now + DAY, &[]);
    assert_exit(&o, 0);
    let p2 = s.p("access.log.2").display().to_string();
    assert_lines(
        &o.stdout,
        &[
            format!("anonymized {p2} lines=10 *"),
            "run: anonymized 1, summarized 0, deleted 0, already done 0, errors 0".into(),
        ],
        "older state, renamed",
    );
    assert_eq!(fs::read_to_string(&s.csv).unwrap(), expected_csv(&[&raw]));
    fs::rename(s.p("access.log.2"), s.p("access.log.3")).unwrap();
    let o = s.run(now + 2 * DAY, &[]);
    assert_eq!(
        text(&o.stdout),
        "run: anonymized 0, summarized 0, deleted 0, already done 1, errors 0\n"
    );
}
