//! Every key of the configuration file, with its type, default, meaning and
//! an example: the text of `loganon.toml(5)`. The keys themselves are read
//! from the parser's own definitions (the serde field lists of
//! [`Config`], [`AnonymizeSection`] and [`LogSet`]), and a test fails when a
//! key has no entry here or an entry names no key: the page cannot drift
//! from what `run` reads.

use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::commands::run::config::{AnonymizeSection, Config, LogSet};

/// One key: its table, name, type, default, meaning and an example value.
pub struct Key {
    /// `""` (top level), `"anonymize"` or `"logs"`
    pub table: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
    pub example: &'static str,
}

const fn key(
    table: &'static str,
    name: &'static str,
    kind: &'static str,
    default: &'static str,
    doc: &'static str,
    example: &'static str,
) -> Key {
    Key {
        table,
        name,
        kind,
        default,
        doc,
        example,
    }
}

/// The keys, table by table, in the order of the page.
pub const KEYS: &[Key] = &[
    key("", "state_dir", "path", "/var/lib/loganon", "where run records what it has done (state.json) and keeps its lock", "\"/var/lib/loganon\""),
    key("", "lock", "path", "STATE_DIR/run.lock", "the lock that keeps two runs apart (a second run exits 75 and does nothing)", "\"/run/loganon.lock\""),
    key("", "anonymize", "table", "(empty)", "the defaults of every anonymization: the keys below, the options of loganon anonymize", "{ ipv4_prefix = 24 }"),
    key("", "logs", "array of tables", "(none: run does nothing)", "one [[logs]] table per set of log files and its policy: the keys below", "[{ name = \"nginx\", paths = [\"/var/log/nginx/access.log.*\"] }]"),
    key("anonymize", "ipv4_prefix", "integer 0-32", "24", "bits kept of an IPv4 client address (24: 123.123.123.123 becomes 123.123.123.0)", "24"),
    key("anonymize", "ipv6_prefix", "integer 0-128", "48", "bits kept of an IPv6 client address", "48"),
    key("anonymize", "keep_networks", "array of networks", "[]", "addresses in these networks stay whole (internal hosts)", "[\"10.0.0.0/8\"]"),
    key("anonymize", "redact_params", "array of strings", "[]", "more query parameter names whose values are removed (any spelling)", "[\"customer\"]"),
    key("anonymize", "keep_params", "array of strings", "[]", "names taken out of the built-in deny list", "[\"name\"]"),
    key("anonymize", "format", "format name", "\"auto\"", "the log format of every set without its own (names as --format: auto, combined, nginx, json, w3c, ...)", "\"combined\""),
    key("anonymize", "on_unparsed", "scrub, drop or fail", "\"scrub\"", "lines no format recognises: scrubbed by the rules that need no parsing, dropped (counted), or the file fails", "\"scrub\""),
    key("anonymize", "level", "integer 0-9", "6", "the compression level of rewritten compressed files", "6"),
    key("anonymize", "jobs", "integer", "the CPU count", "worker threads of one file's anonymization", "2"),
    key("anonymize", "ip_mode", "truncate, hash, cryptopan, ipcrypt-pfx, ipcrypt-deterministic, ipcrypt-nd, ipcrypt-ndx or drop", "\"truncate\"", "how addresses are rewritten: truncated, keyed pseudonyms (hash; cryptopan and ipcrypt-pfx: prefix-preserving; ipcrypt-deterministic: an IPv6 address; ipcrypt-nd, ipcrypt-ndx: hex digits, new at each occurrence; all need key_file or keys_dir), or all 0.0.0.0 and ::", "\"hash\""),
    key("anonymize", "key_file", "path", "(none)", "the key of the keyed modes (make one with loganon keygen FILE; mode 0600); only its path is ever printed", "\"/etc/loganon/key\""),
    key("anonymize", "identifiers", "redact or hash", "\"redact\"", "user names, emails, tokens: replaced by REDACTED (or -), or by keyed pseudonyms (needs key_file)", "\"redact\""),
    key("anonymize", "rotate_key", "daily or never", "\"daily\"", "keyed modes: a key per day derived from key_file (pseudonyms link within a day), or the key as it is", "\"daily\""),
    key("anonymize", "keys_dir", "path", "(none)", "instead of key_file: a random key per day (YYYY-MM-DD.key, mode 0600), made on first use; made with mode 0700 if missing", "\"/var/lib/loganon/keys\""),
    key("anonymize", "key_retention", "duration", "(none: kept)", "run deletes the day keys of keys_dir older than this; their days' pseudonyms can then never be revealed or linked", "\"90d\""),
    key("anonymize", "w3c_fields", "string", "(none)", "the W3C columns of lines before a file's first #Fields: line", "\"date time c-ip cs-uri-stem sc-status\""),
    key("anonymize", "min_k", "integer 2-1000000", "(none)", "k-anonymity: a network of a day used by fewer than K distinct clients is written wider (truncate mode only)", "5"),
    key("anonymize", "location", "0-8, keep or drop", "2", "decimals kept of precise locations (latitude and longitude parameters): 2 is about 1 km", "2"),
    key("logs", "name", "string", "(required)", "the set's name, in messages and in the state", "\"nginx\""),
    key("logs", "paths", "array of globs", "(required)", "the set's files; a glob walks only the folders it can match (dir/*.log: dir alone; ** down to 256 levels)", "[\"/var/log/nginx/access.log.*\"]"),
    key("logs", "format", "format name", "[anonymize] format", "this set's log format", "\"combined\""),
    key("logs", "anonymize_after", "duration", "(none: never)", "files this old (by their modification time) are anonymized in place, once", "\"1d\""),
    key("logs", "delete_after", "duration", "(none: never)", "files this old are deleted (after their totals are counted into summary)", "\"90d\""),
    key("logs", "summary", "path", "(none)", "a CSV of daily totals (requests, bytes, statuses, networks) that outlives the files; SUMMARY.counted beside it records what it counted", "\"/var/lib/loganon/nginx.csv\""),
];

/// The keys serde reads for `T` (its derived field list).
pub fn fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(Fields) {
        Err(Found(f)) => f,
        Ok(_) => &[],
    }
}

/// The keys of a table as the parser reads them: `""`, `"anonymize"` or
/// `"logs"`.
pub fn parser_keys(table: &str) -> &'static [&'static str] {
    match table {
        "" => fields::<Config>(),
        "anonymize" => fields::<AnonymizeSection>(),
        _ => fields::<LogSet>(),
    }
}

/// A deserializer that holds nothing: asked for a struct, it answers with
/// the struct's field names (as its error).
struct Fields;

#[derive(Debug)]
struct Found(&'static [&'static str]);

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fields")
    }
}

impl std::error::Error for Found {}

impl de::Error for Found {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Found(&[])
    }
}

impl<'de> Deserializer<'de> for Fields {
    type Error = Found;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        Err(Found(&[]))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Found> {
        Err(Found(fields))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// `loganon.toml(5)` in roff.
pub fn man_page(version: &str) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('-', "\\-");
    let mut r = format!(
        ".TH loganon.toml 5 \"\" \"loganon {version}\" \"loganon manual\"\n\
         .SH NAME\nloganon.toml \\- the configuration of loganon run\n\
         .SH SYNOPSIS\n\\fI/etc/loganon/loganon.toml\\fR (read by \\fBloganon run\\fR without \\fB\\-\\-config\\fR)\n\
         .SH DESCRIPTION\nA TOML file: top\\-level keys, an \\fB[anonymize]\\fR table of defaults, and one \
         \\fB[[logs]]\\fR table per set of log files. Unknown keys are errors naming the file, line and key \
         (exit 2). Durations are written like 90 (days), 90d, 12h, 2w, 3mo, 1y or 1d12h.\n"
    );
    for (table, title) in [("", "TOP LEVEL"), ("anonymize", "[anonymize]"), ("logs", "[[logs]]")] {
        r.push_str(&format!(".SH \"{title}\"\n"));
        for k in KEYS.iter().filter(|k| k.table == table) {
            r.push_str(&format!(
                ".TP\n\\fB{}\\fR = \\fI{}\\fR (default: {})\n{}.\n.br\nExample: \\fB{} = {}\\fR\n",
                esc(k.name),
                esc(k.kind),
                esc(k.default),
                esc(k.doc),
                esc(k.name),
                esc(k.example)
            ));
        }
    }
    r.push_str(
        ".SH EXAMPLE\n.nf\n[anonymize]\nipv4_prefix = 24\n\n[[logs]]\nname = \"nginx\"\n\
         paths = [\"/var/log/nginx/access.log.*\"]\nformat = \"nginx\"\nanonymize_after = \"1d\"\n\
         delete_after = \"90d\"\nsummary = \"/var/lib/loganon/nginx.csv\"\n.fi\n\
         .SH \"SEE ALSO\"\n\\fBloganon\\fR(1), \\fBloganon\\-run\\fR(1); /usr/share/doc/loganon\n",
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_the_parser_reads_is_documented_and_no_other() {
        for table in ["", "anonymize", "logs"] {
            let parser: Vec<&str> = parser_keys(table).to_vec();
            let documented: Vec<&str> = KEYS.iter().filter(|k| k.table == table).map(|k| k.name).collect();
            let mut a = parser.clone();
            let mut b = documented.clone();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "table '{table}': the parser's keys and the page's");
        }
    }

    #[test]
    fn every_example_parses() {
        for k in KEYS {
            let text = match k.table {
                "" if k.name == "logs" => continue,
                "" => format!("{} = {}\n", k.name, k.example),
                "anonymize" => format!("[anonymize]\n{} = {}\n", k.name, k.example),
                _ => {
                    let mut t = String::from("[[logs]]\n");
                    for (n, v) in [("name", "\"x\""), ("paths", "[\"/srv/x/*.log\"]")] {
                        if n != k.name {
                            t.push_str(&format!("{n} = {v}\n"));
                        }
                    }
                    t.push_str(&format!("{} = {}\n", k.name, k.example));
                    t
                }
            };
            let r = Config::parse(&text, std::path::Path::new("x.toml"));
            // the keyed modes need their key file: the example is still read
            let ok = r.is_ok() || r.as_ref().err().is_some_and(|e| e.0.contains("key"));
            assert!(ok, "{}.{}: {:?}", k.table, k.name, r.err().map(|e| e.0));
        }
    }
}
