//! JSON lines (nginx `escape=json`, Caddy, Traefik, Envoy, Cloudflare, ...).
//!
//! A hand-written walker over the bytes (no allocation of a document): every
//! string value gets a role from the nearest key that holds it, at any depth
//! (`remote_addr`, `request.remote_ip`, `ClientHost`, `x_forwarded_for` as a
//! string or an array, `remote_user`, `Cookie` headers, ...); `{"name":
//! "Cookie", "value": "..."}` header pairs are recognised too. Keys, numbers,
//! punctuation and white space are kept byte for byte, so the output is valid
//! JSON whenever the input was. A line may carry a prefix before its object
//! (a container runtime's `TIME stdout F {...}`, a syslog header).
//!
//! The files: `keys` (what a key means), `walk` (the walker).

mod keys;
pub(crate) mod walk;

pub use walk::{object_start, parse, parse_lenient, Scratch};

use crate::rules::DenyList;

// ------------------------------------------------------------ the registry

use super::spec::{Ctx, FormatSpec, Parsed, Parser, Recognised};

fn line(kind: Parsed, line: &[u8], deny: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    let start = object_start(line)?;
    parse(line, start, deny, &mut ctx.fields, &mut ctx.json).map(|()| Recognised::Fields(kind))
}

pub(crate) const SPEC: FormatSpec = FormatSpec {
    name: "json",
    help: Some("one JSON object a line, its keys by name (also after a prefix)"),
    detect: &[(20, line)],
    format: &Parser(line),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::fields::{Fields, Role};

    /// The fields of a JSON line, parsed with the default deny list.
    fn fields(s: &str) -> Fields {
        let mut f = Fields::default();
        let mut sc = Scratch::default();
        parse(
            s.as_bytes(),
            object_start(s.as_bytes()).unwrap(),
            &DenyList::default(),
            &mut f,
            &mut sc,
        )
        .unwrap();
        f
    }

    fn roles(s: &str) -> Vec<(String, Role)> {
        fields(s)
            .list
            .iter()
            .map(|(r, role)| (s[r.clone()].to_string(), *role))
            .collect()
    }

    #[test]
    fn key_roles_follow_the_deny_list_of_each_call() {
        // one Fields and one scratch (and so one key cache) across lines and
        // deny lists
        let mut f = Fields::default();
        let mut sc = Scratch::default();
        let line = br#"{"foo":"a","Foo":"b","user":"c"}"#;
        let role_of_values = |f: &Fields| {
            f.list
                .iter()
                .map(|(r, role)| (line[r.clone()].to_vec(), *role))
                .collect::<Vec<_>>()
        };
        let plain = DenyList::default();
        let mut more = DenyList::default();
        more.add(b"foo");
        for (deny, want) in [
            (&plain, Role::GenericEscaped),
            (&more, Role::Secret),
            (&plain, Role::GenericEscaped),
        ] {
            for _ in 0..2 {
                parse(line, 0, deny, &mut f, &mut sc).unwrap();
                let r = role_of_values(&f);
                assert_eq!(r[0], (b"a".to_vec(), want), "{r:?}");
                assert_eq!(r[1], (b"b".to_vec(), want), "{r:?}");
                assert_eq!(r[2], (b"c".to_vec(), Role::User), "{r:?}");
            }
        }
    }

    #[test]
    fn roles_by_key_at_any_depth() {
        let r = roles(
            r#"{"request":{"remote_ip":"1.2.3.4","headers":{"Cookie":["a=b"],"User-Agent":["x"]}},"user_id":42,"ClientUsername":"-","x_forwarded_for":["5.6.7.8"],"n":1.5}"#,
        );
        assert!(r.contains(&("1.2.3.4".into(), Role::Client)), "{r:?}");
        assert!(r.contains(&("a=b".into(), Role::Secret)), "{r:?}");
        assert!(r.contains(&("x".into(), Role::GenericEscaped)), "{r:?}");
        assert!(r.contains(&("42".into(), Role::SecretNumber)), "{r:?}");
        assert!(r.contains(&("-".into(), Role::User)), "{r:?}");
        assert!(r.contains(&("5.6.7.8".into(), Role::Generic)), "{r:?}");
    }

    #[test]
    fn the_time_key_is_noted_and_its_value_still_scanned() {
        // `date` ranks below `time`; a tie goes to the first
        let s = r#"{"date":"x","n":{"ts":"y"},"time":"1.2.3.4 at noon","ts":1767261600}"#;
        let mut f = Fields::default();
        let mut sc = Scratch::default();
        parse(s.as_bytes(), 0, &DenyList::default(), &mut f, &mut sc).unwrap();
        assert_eq!(f.time.clone().map(|r| &s[r]), Some("1.2.3.4 at noon"));
        assert!(roles(s).contains(&("1.2.3.4 at noon".into(), Role::GenericEscaped)));
        let s = r#"{"date":"x","ts":1767261600}"#;
        parse(s.as_bytes(), 0, &DenyList::default(), &mut f, &mut sc).unwrap();
        assert_eq!(f.time.clone().map(|r| &s[r]), Some("1767261600"));
        parse(br#"{"a":"b"}"#, 0, &DenyList::default(), &mut f, &mut sc).unwrap();
        assert_eq!(f.time, None);
    }

    /// The values noted as the status and the bytes of `s`.
    fn figures(s: &str) -> (Option<&str>, Option<&str>) {
        let f = fields(s);
        (f.status.map(|r| &s[r]), f.bytes.map(|r| &s[r]))
    }

    #[test]
    fn status_and_bytes_keys_are_noted_by_rank() {
        // nginx `escape=json` (strings), Caddy (numbers)
        assert_eq!(
            figures(r#"{"status":"404","body_bytes_sent":"512","bytes_sent":"700"}"#),
            (Some("404"), Some("512"))
        );
        assert_eq!(
            figures(r#"{"ts":1.5,"size":31,"status":200}"#),
            (Some("200"), Some("31"))
        );
        // a status code before a bare `status`, the body's bytes before
        // the bytes sent before a bare `bytes` or `size`
        assert_eq!(
            figures(r#"{"status":"ok","size":1,"bytes":2,"response_code":503,"response_size":3}"#),
            (Some("503"), Some("3"))
        );
        assert_eq!(
            figures(r#"{"StatusCode":301,"bytes_sent":9,"sc-status":"200","sc-bytes":"8"}"#),
            (Some("301"), Some("9"))
        );
        // ECS, flat and nested; nested keys elsewhere do not count
        assert_eq!(
            figures(r#"{"http.response.status_code":201,"http.response.body.bytes":77}"#),
            (Some("201"), Some("77"))
        );
        assert_eq!(
            figures(
                r#"{"status":"x","http":{"request":{"bytes":5,"status_code":1},"response":{"status_code":302,"body":{"bytes":40},"bytes":41}},"size":2}"#
            ),
            (Some("302"), Some("40"))
        );
        assert_eq!(
            figures(
                r#"{"request":{"status":200,"size":5},"a":[{"status":1}],"x":{"http":{"response":{"status_code":2}}}}"#
            ),
            (None, None)
        );
        // `null` is no status; a time key is not one either
        assert_eq!(figures(r#"{"status":null,"time":"200"}"#), (None, None));
        // after a container runtime's prefix
        let p = r#"2025-12-31T17:37:40Z stdout F {"response_code":200,"bytes_sent":4}"#;
        assert_eq!(figures(p), (Some("200"), Some("4")));
    }

    #[test]
    fn header_pairs_and_prefixes() {
        let r = roles(r#"{"headers":[{"name":"Cookie","value":"sid=1"},{"name":"Host","value":"x"}]}"#);
        assert!(r.contains(&("sid=1".into(), Role::Secret)), "{r:?}");
        assert!(r.contains(&("x".into(), Role::GenericEscaped)), "{r:?}");
        let p = "2025-12-31T17:37:40Z stdout F {\"downstream_remote_address\":\"10.0.0.12:59292\"}";
        assert_eq!(object_start(p.as_bytes()), Some(30));
        assert!(roles(p).contains(&("10.0.0.12:59292".into(), Role::Client)));
    }

    #[test]
    fn malformed_is_none() {
        let mut f = Fields::default();
        let mut sc = Scratch::default();
        let d = DenyList::default();
        for s in [
            r#"{"a":"b""#,
            r#"{"a":}"#,
            r#"{"a":"b"}x"#,
            r#"{"a":[}"#,
            r#"{"a" "b"}"#,
        ] {
            assert!(parse(s.as_bytes(), 0, &d, &mut f, &mut sc).is_none(), "{s}");
        }
    }
}
