//! The TOML configuration of `loganon run` (and `anonymize --config`).
//!
//! Every value is checked while it is read, so an error names the file, the
//! line and the key (toml's error points at the value, with the key shown).

use std::fmt;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::addr::AddrPolicy;
use crate::engine::{MissingKey, OnUnparsed, Options};
use crate::formats::Format;
use crate::io::keys::KeyFileError;
use crate::io::names::{show, MAX_SHOWN};
use crate::keyed::{Identifiers, IpMode, Rotate};
use crate::rules::Location;
use crate::rules::{DenyList, ParamNameError, Rules};

pub const DEFAULT_STATE_DIR: &str = "/var/lib/loganon";

/// Why `[anonymize]` gave no engine options; its text is the message shown.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    /// An entry of `redact_params` is not a parameter name.
    #[error("redact_params: {0}")]
    RedactParam(#[source] ParamNameError),
    /// An entry of `keep_params` is not a parameter name.
    #[error("keep_params: {0}")]
    KeepParam(#[source] ParamNameError),
    /// The key could not be read.
    #[error(transparent)]
    Key(#[from] KeyFileError),
    /// A keyed mode without a key.
    #[error(transparent)]
    MissingKey(#[from] MissingKey),
    /// The directory of day keys cannot hold them.
    #[error("{0}")]
    KeysDir(String),
}

/// A duration written like `90d`, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dur(pub i64);

/// A duration: a string (`"90d"`, `"90"`) or a bare integer (`90`), days
/// as logrotate's `maxage 90`.
impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration like \"90d\", \"12h\", \"3mo\" or a number of days")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dur, E> {
                crate::time::parse_duration(s).map(Dur).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Dur, E> {
                if n < 0 {
                    return Err(E::custom(format!(
                        "{n} is not a duration; a number of days is 0 or more"
                    )));
                }
                crate::time::parse_duration(&n.to_string()).map(Dur).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Dur, E> {
                crate::time::parse_duration(&n.to_string()).map(Dur).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

fn parsed<'de, D, T, E, F>(d: D, f: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: std::fmt::Display,
    F: Fn(&str) -> Result<T, E>,
{
    let s = String::deserialize(d)?;
    f(&s).map_err(de::Error::custom)
}

fn format_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Format>, D::Error> {
    parsed(d, Format::from_name).map(Some)
}

fn networks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    let v = Vec::<String>::deserialize(d)?;
    v.iter()
        .map(|s| {
            s.parse::<IpNet>()
                .map_err(|_| de::Error::custom(format!("'{s}' is not a network; write it like 10.0.0.0/8")))
        })
        .collect()
}

fn prefix<'de, D: Deserializer<'de>, const MAX: u8>(d: D) -> Result<Option<u8>, D::Error> {
    let v = i64::deserialize(d)?;
    if (0..=i64::from(MAX)).contains(&v) {
        Ok(Some(v as u8))
    } else {
        Err(de::Error::custom(format!("{v} is out of range; use 0 to {MAX}")))
    }
}

/// `location = 2`, `"3"`, `"keep"` or `"drop"` (`--location`).
fn location<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Location>, D::Error> {
    struct V;
    impl de::Visitor<'_> for V {
        type Value = Location;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("the decimals kept (0 to 8), \"keep\" or \"drop\"")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Location, E> {
            s.parse().map_err(E::custom)
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Location, E> {
            n.to_string().parse().map_err(E::custom)
        }
    }
    d.deserialize_any(V).map(Some)
}

fn level<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let v = i64::deserialize(d)?;
    if (0..=9).contains(&v) {
        Ok(Some(v as u32))
    } else {
        Err(de::Error::custom(format!("{v} is out of range; use 0 to 9")))
    }
}

/// Why `--min-k` (`min_k`) is refused with the keyed address modes.
pub const K_KEYED: &str = "applies to ip_mode truncate only: hash and cryptopan write one pseudonym \
                           per address (widening a network means nothing to them); use truncate, \
                           or leave min_k out";

/// `[anonymize]`: the defaults of every anonymization.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnonymizeSection {
    #[serde(default, deserialize_with = "prefix::<_, 32>")]
    pub ipv4_prefix: Option<u8>,
    #[serde(default, deserialize_with = "prefix::<_, 128>")]
    pub ipv6_prefix: Option<u8>,
    #[serde(default, deserialize_with = "networks")]
    pub keep_networks: Vec<IpNet>,
    #[serde(default)]
    pub redact_params: Vec<String>,
    /// names taken out of the deny list (`--keep-param`)
    #[serde(default)]
    pub keep_params: Vec<String>,
    #[serde(default, deserialize_with = "format_opt")]
    pub format: Option<Format>,
    #[serde(default)]
    pub on_unparsed: Option<OnUnparsed>,
    #[serde(default, deserialize_with = "level")]
    pub level: Option<u32>,
    pub jobs: Option<u32>,
    #[serde(default)]
    pub ip_mode: Option<IpMode>,
    /// the key of the keyed modes (only its path ever appears in messages)
    pub key_file: Option<PathBuf>,
    #[serde(default)]
    pub identifiers: Option<Identifiers>,
    #[serde(default)]
    pub rotate_key: Option<Rotate>,
    /// `--keys-dir`: a random key per day, made on first use, instead of
    /// keys derived from `key_file`
    pub keys_dir: Option<PathBuf>,
    /// day keys in `keys_dir` older than this are deleted by `run`
    pub key_retention: Option<Dur>,
    /// `--w3c-fields`: the W3C columns of lines before a file's first `#Fields:`
    #[serde(default)]
    pub w3c_fields: Option<String>,
    /// `--min-k`: each file's networks of a day used by fewer than K
    /// distinct clients are written wider (truncate mode only)
    #[serde(default, deserialize_with = "min_k")]
    pub min_k: Option<u64>,
    /// `--location`: the decimals a precise location keeps, or keep, drop
    #[serde(default, deserialize_with = "location")]
    pub location: Option<Location>,
}

/// The bounds of `--min-k` and `min_k`.
pub const MIN_K: std::ops::RangeInclusive<u64> = 2..=1_000_000;

fn min_k<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = i64::deserialize(d)?;
    match u64::try_from(v) {
        Ok(k) if MIN_K.contains(&k) => Ok(Some(k)),
        _ => Err(de::Error::custom(format!("{v} is out of range; use 2 to 1000000"))),
    }
}

impl AnonymizeSection {
    /// The first value that the engine could not use, with its key: a
    /// parameter name that normalizes to nothing, a key file that cannot be
    /// read or is not a key, a keyed mode without a key file.
    fn unusable(&self) -> Option<(&'static str, String)> {
        for (key, names) in [
            ("redact_params", &self.redact_params),
            ("keep_params", &self.keep_params),
        ] {
            for p in names {
                if let Err(e) = crate::rules::param_name(p) {
                    return Some((key, e.to_string()));
                }
            }
        }
        if self
            .w3c_fields
            .as_deref()
            .is_some_and(|f| crate::formats::w3c::fields_option(f).is_none())
        {
            return Some(("w3c_fields", crate::formats::w3c::FIELDS_OPTION_HELP.into()));
        }
        let ip_mode = self.ip_mode.unwrap_or_default();
        if self.min_k.is_some() && ip_mode.keyed() {
            return Some(("min_k", K_KEYED.into()));
        }
        let hashed = self.identifiers.unwrap_or_default() == Identifiers::Hash;
        if self.key_retention.is_some() && self.keys_dir.is_none() {
            return Some((
                "key_retention",
                "applies to the keys of keys_dir; set keys_dir too".into(),
            ));
        }
        if self.keys_dir.is_some() {
            return match (&self.key_file, self.rotate_key) {
                (Some(_), _) => Some((
                    "keys_dir",
                    "give keys_dir or key_file, not both (keys_dir holds a key per day)".into(),
                )),
                (_, Some(Rotate::Never)) => Some((
                    "rotate_key",
                    "\"never\" is for key_file; keys_dir holds a key per day".into(),
                )),
                _ => None,
            };
        }
        match &self.key_file {
            Some(p) => crate::io::keys::read_key_file(p)
                .err()
                .map(|e| ("key_file", e.to_string())),
            None if ip_mode.keyed() => Some((
                "ip_mode",
                "this mode needs key_file (make one with: loganon keygen FILE)".into(),
            )),
            None if hashed => Some((
                "identifiers",
                "\"hash\" needs key_file (make one with: loganon keygen FILE)".into(),
            )),
            None => None,
        }
    }

    /// Engine options from this section, with `format` overriding its own.
    /// Reads the key file of the keyed modes.
    pub fn options(&self, format: Option<Format>) -> Result<Options, OptionsError> {
        let mut deny = DenyList::default();
        for p in &self.redact_params {
            let name = crate::rules::param_name(p).map_err(OptionsError::RedactParam)?;
            deny.add(&name);
        }
        for p in &self.keep_params {
            let name = crate::rules::param_name(p).map_err(OptionsError::KeepParam)?;
            deny.keep(&name);
        }
        let mut opts = Options {
            rules: Rules {
                addr: AddrPolicy::new(
                    self.ipv4_prefix.unwrap_or(24),
                    self.ipv6_prefix.unwrap_or(48),
                    &self.keep_networks,
                ),
                deny,
                location: self.location.unwrap_or_default(),
            },
            format: format.or(self.format.clone()).unwrap_or_default(),
            on_unparsed: self.on_unparsed.unwrap_or_default(),
            w3c_fields: self.w3c_fields.as_deref().and_then(crate::formats::w3c::fields_option),
            ..Options::default()
        };
        let ring = match &self.keys_dir {
            Some(dir) => Some(crate::io::day_keys::load_dir(dir, true).map_err(OptionsError::KeysDir)?),
            None => crate::io::keys::load(self.key_file.as_deref(), self.rotate_key.unwrap_or_default())?,
        };
        opts.set_keys(
            self.ip_mode.unwrap_or_default(),
            self.identifiers.unwrap_or_default(),
            ring,
            "[anonymize]: ip_mode hash, cryptopan and ipcrypt-* and identifiers = \"hash\" need key_file or keys_dir",
        )?;
        Ok(opts)
    }
}

/// `[[logs]]`: one set of log files and its policy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSet {
    pub name: String,
    /// globs of the files (`/var/log/nginx/access.log-*.gz`)
    pub paths: Vec<String>,
    #[serde(default, deserialize_with = "format_opt")]
    pub format: Option<Format>,
    /// anonymize files in place once they are this old
    pub anonymize_after: Option<Dur>,
    /// delete files once they are this old
    pub delete_after: Option<Dur>,
    /// CSV of daily totals that outlives the files
    pub summary: Option<PathBuf>,
    /// the line of `paths` in the config file, for messages
    #[serde(skip)]
    pub paths_line: Option<usize>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// where the record of done work is kept
    pub state_dir: Option<PathBuf>,
    /// the lock file (default: STATE_DIR/run.lock)
    pub lock: Option<PathBuf>,
    #[serde(default)]
    pub anonymize: AnonymizeSection,
    #[serde(default)]
    pub logs: Vec<LogSet>,
    /// the file it was read from, for messages
    #[serde(skip)]
    pub source: PathBuf,
}

/// A configuration error: the file and toml's message (line, column, key).
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    /// The message, each line cut to [`MAX_SHOWN`] bytes (toml's message
    /// quotes the line and the value: a value of megabytes was echoed whole).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, line) in self.0.split('\n').enumerate() {
            if k > 0 {
                f.write_str("\n")?;
            }
            match line
                .char_indices()
                .map(|(i, _)| i)
                .take_while(|&i| i <= MAX_SHOWN)
                .last()
            {
                Some(cut) if line.len() > MAX_SHOWN => write!(f, "{}...[{} bytes]", &line[..cut], line.len())?,
                _ => f.write_str(line)?,
            }
        }
        Ok(())
    }
}

/// The line (1-based) of `key = ...` in the `index`-th `[[logs]]` table.
fn line_of(text: &str, index: usize, key: &str) -> Option<usize> {
    line_in(text, "[[logs]]", index, key)
}

/// The line (1-based) of `key = ...` in the `index`-th table `header`.
fn line_in(text: &str, header: &str, index: usize, key: &str) -> Option<usize> {
    let mut table = None;
    for (n, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.starts_with(header) {
            table = Some(table.map_or(0, |k| k + 1));
        } else if t.starts_with('[') {
            table = None;
        } else if table == Some(index) && t.split('=').next().is_some_and(|k| k.trim() == key) {
            return Some(n + 1);
        }
    }
    None
}

impl Config {
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut c: Config = toml::from_str(text).map_err(|e| ConfigError(format!("{}: {e}", show(path))))?;
        c.source = path.to_path_buf();
        for (k, set) in c.logs.iter_mut().enumerate() {
            set.paths_line = line_of(text, k, "paths");
        }
        let mut names = std::collections::HashSet::new();
        for (k, set) in c.logs.iter().enumerate() {
            // toml has checked the values; these checks span keys, so their
            // line is found in the text
            let at = |key: &str| {
                let line = line_of(text, k, key).map_or_else(String::new, |l| format!(" line {l}:"));
                format!("{}:{line} [[logs]] '{}': key '{key}'", show(path), set.name)
            };
            if !names.insert(set.name.clone()) {
                return Err(ConfigError(format!(
                    "{}: the name is used twice; names must differ",
                    at("name")
                )));
            }
            if set.paths.is_empty() {
                return Err(ConfigError(format!("{} is empty; list the files' globs", at("paths"))));
            }
            for p in &set.paths {
                if !p.starts_with('/') {
                    return Err(ConfigError(format!("{}: '{p}' must be an absolute path", at("paths"))));
                }
                globset::Glob::new(p).map_err(|e| ConfigError(format!("{}: {e}", at("paths"))))?;
            }
            if let Some(csv) = &set.summary {
                if let Some(other) = c.logs[..k].iter().find(|o| o.summary.as_ref() == Some(csv)) {
                    return Err(ConfigError(format!(
                        "{}: '{}' is the summary of [[logs]] '{}' too; each set needs its own file",
                        at("summary"),
                        show(csv),
                        other.name
                    )));
                }
            }
            if let (Some(a), Some(d)) = (set.anonymize_after, set.delete_after) {
                if d.0 < a.0 {
                    return Err(ConfigError(format!(
                        "{} is shorter than 'anonymize_after'",
                        at("delete_after")
                    )));
                }
            }
        }
        Ok(c)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(match e.kind() {
                std::io::ErrorKind::NotFound => format!(
                    "{}: no such file; give the configuration with --config FILE (the package installs \
                     /etc/loganon/loganon.toml; man 5 loganon.toml)",
                    show(path)
                ),
                _ => format!("{}: {e}", show(path)),
            })
        })?;
        let c = Config::parse(&text, path)?;
        // what `[anonymize]` names must be usable before anything is done:
        // a key file that cannot be read is a configuration error
        if let Some((key, e)) = c.anonymize.unusable() {
            let line = line_in(&text, "[anonymize]", 0, key).map_or_else(String::new, |l| format!(" line {l}:"));
            return Err(ConfigError(format!(
                "{}:{line} [anonymize] key '{key}': {e}",
                show(path)
            )));
        }
        Ok(c)
    }

    pub fn state_dir(&self) -> PathBuf {
        self.state_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_DIR))
    }

    pub fn lock_path(&self) -> PathBuf {
        self.lock.clone().unwrap_or_else(|| self.state_dir().join("run.lock"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::parse(text, Path::new("/etc/loganon.toml")).unwrap_err().0
    }

    #[test]
    fn parses_the_product_example() {
        let c = Config::parse(
            r#"
[anonymize]
ipv4_prefix = 24
ipv6_prefix = 48

[[logs]]
name = "nginx"
paths = ["/var/log/nginx/access.log-*.gz"]
format = "combined"
anonymize_after = "1d"
delete_after = "90d"
summary = "/var/lib/loganon/nginx-daily.csv"
"#,
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.logs[0].delete_after, Some(Dur(90 * 86400)));
        // as logrotate's `maxage 90`: a bare number of days, quoted or not
        for v in ["90", "\"90\"", "\"3mo\""] {
            let c = Config::parse(
                &format!("[[logs]]\nname = \"a\"\npaths = [\"/x\"]\ndelete_after = {v}\n"),
                Path::new("x.toml"),
            )
            .unwrap();
            assert_eq!(c.logs[0].delete_after, Some(Dur(90 * 86400)), "{v}");
        }
        assert_eq!(c.logs[0].format, Some(Format::Combined));
        assert_eq!(c.lock_path(), PathBuf::from("/var/lib/loganon/run.lock"));
    }

    #[test]
    fn the_shipped_example_parses() {
        let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/loganon.toml"));
        let c = Config::load(p).unwrap();
        assert_eq!(c.logs.len(), 2);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = err("[[logs]]\nname = \"a\"\npaths = [\"/x\"]\nanonymize_after = \"1x\"\n");
        assert!(
            e.contains("/etc/loganon.toml") && e.contains("line 4") && e.contains("anonymize_after"),
            "{e}"
        );
        let e = err("[anonymize]\nlocation = \"fine\"\n");
        assert!(
            e.contains("line 2") && e.contains("location") && e.contains("keep or drop"),
            "{e}"
        );
        for (text, want) in [
            ("3", Location::Decimals(3)),
            ("\"keep\"", Location::Keep),
            ("\"drop\"", Location::Drop),
        ] {
            let c = Config::parse(&format!("[anonymize]\nlocation = {text}\n"), Path::new("/x.toml")).unwrap();
            assert_eq!(c.anonymize.location, Some(want), "{text}");
        }
        let e = err("[anonymize]\nipv4_prefix = 40\n");
        assert!(
            e.contains("line 2") && e.contains("ipv4_prefix") && e.contains("0 to 32"),
            "{e}"
        );
        let e = err("[[logs]]\nname = \"a\"\npaths = [\"/x\"]\ndelete_after = -3\n");
        assert!(
            e.contains("line 4") && e.contains("delete_after") && e.contains("days"),
            "{e}"
        );
        let e = err("[anonymize]\ncolour = 1\n");
        assert!(e.contains("line 2") && e.contains("colour"), "{e}");
        let e = err("[[logs]]\nname = \"a\"\npaths = [\"rel/*.gz\"]\n");
        assert!(e.contains("paths") && e.contains("absolute"), "{e}");
    }

    #[test]
    fn an_unknown_name_is_an_error_naming_the_key_and_the_choices() {
        for (key, value, choices) in [
            (
                "ip_mode",
                "\"crypto-pan\"",
                &["truncate", "hash", "cryptopan", "drop"][..],
            ),
            ("identifiers", "\"Hash\"", &["redact", "hash"][..]),
            ("rotate_key", "\"weekly\"", &["daily", "never"][..]),
            ("on_unparsed", "\"skip\"", &["scrub", "drop", "fail"][..]),
            ("ip_mode", "3", &["string"][..]),
        ] {
            let e = err(&format!("[anonymize]\n{key} = {value}\n"));
            assert!(
                e.contains("/etc/loganon.toml") && e.contains("line 2") && e.contains(key),
                "{e}"
            );
            for c in choices {
                assert!(e.contains(c), "{key} = {value}: {c} not named: {e}");
            }
        }
        // the names accepted
        let c = Config::parse(
            "[anonymize]\nip_mode = \"cryptopan\"\nidentifiers = \"hash\"\nrotate_key = \"never\"\non_unparsed = \"drop\"\n",
            Path::new("x.toml"),
        )
        .unwrap();
        let a = &c.anonymize;
        assert_eq!(a.ip_mode, Some(IpMode::CryptoPan));
        assert_eq!(a.identifiers, Some(Identifiers::Hash));
        assert_eq!(a.rotate_key, Some(Rotate::Never));
        assert_eq!(a.on_unparsed, Some(OnUnparsed::Drop));
    }
}
