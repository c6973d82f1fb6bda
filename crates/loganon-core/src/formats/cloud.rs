//! Other access logs of the corpus, recognised cheaply by their first fields:
//! AWS ALB, classic ELB, S3 server access, and HAProxy HTTP. Everything in
//! them passes the generic scanner; the fields that hold identifiers get their
//! roles: the S3 requester (an IAM identity), HAProxy's captured cookies.

use std::ops::Range;

use crate::formats::fields::{split_quoted, unquoted, Fields, Role};

/// `2023-04-26T12:22:55.463821Z`
fn iso_time(t: &[u8]) -> bool {
    t.len() >= 20 && t[4] == b'-' && t[7] == b'-' && t[10] == b'T' && t[..4].iter().all(u8::is_ascii_digit)
}

/// `1.2.3.4:5678` or `[v6]:port`
fn addr_port(t: &[u8]) -> bool {
    // (the bytes first: every column of a line no format takes comes here
    // under detection, and few are made of these bytes)
    if t.len() < 3
        || !t
            .iter()
            .all(|&b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'[' | b']'))
    {
        return false;
    }
    // an address, then a port of digits after the last `:` (`::c` or
    // `0:::::DE8:55008` are none, and would stop being one once truncated)
    let Some(k) = memchr::memrchr(b':', t) else {
        return false;
    };
    let (head, port) = (&t[..k], &t[k + 1..]);
    let v6 = |h: &[u8]| crate::addr::parse_v6(h).is_some();
    !port.is_empty()
        && port.iter().all(u8::is_ascii_digit)
        && (crate::addr::parse_v4_at(head, 0).is_some_and(|(_, e)| e == head.len())
            || v6(head)
            || head
                .strip_prefix(b"[")
                .and_then(|h| h.strip_suffix(b"]"))
                .is_some_and(v6))
}

/// Everything scanned but the time, which is kept when it looks like one
/// (the first fields only are checked to recognise a line: the time of a
/// broken one may run on into other bytes).
fn generic(f: &mut Fields, line: &[u8], time: Option<Range<usize>>) {
    f.clear();
    f.gaps = Some(Role::Generic);
    if let Some(t) = time.filter(|t| crate::scan::is_plain(&line[t.clone()])) {
        f.push(t, Role::Time);
    }
}

/// Notes the client, status and bytes columns (for the summaries). A load
/// balancer's own status (`elb_status_code`) is what the client got; when
/// it is `-` (a classic ELB's TCP listener) the target's is taken.
fn figures(
    f: &mut Fields,
    line: &[u8],
    cols: &[Range<usize>],
    client: usize,
    status: usize,
    target: Option<usize>,
    bytes: usize,
) {
    f.client = cols.get(client).cloned();
    f.status = match (cols.get(status), target.and_then(|t| cols.get(t))) {
        (Some(s), Some(t)) if &line[s.clone()] == b"-" => Some(t.clone()),
        (s, _) => s.cloned(),
    };
    f.bytes = cols.get(bytes).cloned();
}

/// Notes the request, referer and user agent columns (for the typed record).
fn http(f: &mut Fields, line: &[u8], cols: &[Range<usize>], request: usize, referer: Option<usize>, agent: usize) {
    let col = |k: usize| {
        cols.get(k)
            .filter(|r| &line[(*r).clone()] != b"-")
            .map(|r| unquoted(line, r))
    };
    f.http.request = col(request);
    f.http.referer = referer.and_then(col);
    f.http.agent = col(agent);
}

/// AWS Application Load Balancer: `type time elb client:port target:port ...`
pub fn alb(line: &[u8], cols: &mut Vec<Range<usize>>, f: &mut Fields) -> Option<()> {
    if !split_quoted(line, b' ', cols) || cols.len() < 12 {
        return None;
    }
    let ty = &line[cols[0].clone()];
    if !matches!(ty, b"http" | b"https" | b"h2" | b"ws" | b"wss" | b"grpcs") || !iso_time(&line[cols[1].clone()]) {
        return None;
    }
    generic(f, line, Some(cols[1].clone()));
    // client:port target:port request target response elb_status target_status received sent
    figures(f, line, cols, 3, 8, Some(9), 11);
    http(f, line, cols, 12, None, 13);
    Some(())
}

/// AWS classic Elastic Load Balancer: `time elb client:port backend:port ...`
pub fn elb(line: &[u8], cols: &mut Vec<Range<usize>>, f: &mut Fields) -> Option<()> {
    if !split_quoted(line, b' ', cols) || cols.len() < 12 {
        return None;
    }
    if !iso_time(&line[cols[0].clone()]) || !addr_port(&line[cols[2].clone()]) {
        return None;
    }
    generic(f, line, Some(cols[0].clone()));
    // client:port backend:port request backend response elb_status backend_status received sent
    figures(f, line, cols, 2, 7, Some(8), 10);
    http(f, line, cols, 11, None, 12);
    Some(())
}

/// AWS S3 server access: `owner bucket [time] ip requester id operation ...`;
/// the requester (an IAM identity naming a user) is a user field.
pub fn s3(line: &[u8], cols: &mut Vec<Range<usize>>, f: &mut Fields) -> Option<()> {
    if !split_quoted(line, b' ', cols) || cols.len() < 10 {
        return None;
    }
    let owner = &line[cols[0].clone()];
    let time = &line[cols[2].clone()];
    if owner.len() < 16 || !owner.iter().all(u8::is_ascii_alphanumeric) || time.first() != Some(&b'[') {
        return None;
    }
    generic(f, line, Some(cols[2].clone()));
    f.push(cols[4].clone(), Role::User);
    // remote_ip requester request_id operation key "request_uri" http_status error_code bytes_sent
    figures(f, line, cols, 3, 9, None, 11);
    http(f, line, cols, 8, Some(15), 16);
    Some(())
}

/// HAProxy HTTP log (after any syslog prefix): `client:port [date] frontend
/// backend/server timers status bytes req_cookie resp_cookie state ...`; the
/// captured cookies are secrets.
pub fn haproxy(line: &[u8], cols: &mut Vec<Range<usize>>, f: &mut Fields) -> Option<()> {
    if !split_quoted(line, b' ', cols) {
        return None;
    }
    // `client:port [dd/Mon/yyyy:...]` after any prefix: every candidate is
    // tried, not only the first (a prefix can hold an `addr:port [` too)
    let shaped = |k: usize| {
        let c = |j: usize| cols.get(k + j).map(|r| &line[r.clone()]);
        let t = &line[cols[k + 1].clone()];
        addr_port(&line[cols[k].clone()])
            && t.first() == Some(&b'[')
            && t.get(3) == Some(&b'/')
            && c(3).is_some_and(|b| b.contains(&b'/'))
            && c(4).is_some_and(|t| t.contains(&b'/'))
            && c(5).is_some_and(|s| s.iter().all(|&b| b.is_ascii_digit() || b == b'-'))
    };
    let k = (0..cols.len().saturating_sub(1)).find(|&k| shaped(k))?;
    generic(f, line, Some(cols[k + 1].clone()));
    for j in [7, 8] {
        if let Some(r) = cols.get(k + j) {
            if &line[r.clone()] != b"-" {
                f.push(r.clone(), Role::Secret);
            }
        }
    }
    f.list.sort_by_key(|(r, _)| r.start);
    // client:port [date] frontend backend/server timers status bytes_read
    figures(f, line, cols, k, k + 5, None, k + 6);
    // the request: the first quoted column after the fixed ones
    f.http.request = cols
        .iter()
        .skip(k + 10)
        .find(|r| line.get(r.start) == Some(&b'"'))
        .map(|r| unquoted(line, r));
    Some(())
}

// ------------------------------------------------------------ the registry

use super::spec::{Ctx, FormatSpec, Parsed, Parser, Recognised};
use crate::rules::DenyList;

fn alb_line(kind: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    alb(line, &mut ctx.cols, &mut ctx.fields).map(|()| Recognised::Fields(kind))
}

fn elb_line(kind: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    elb(line, &mut ctx.cols, &mut ctx.fields).map(|()| Recognised::Fields(kind))
}

fn s3_line(kind: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    s3(line, &mut ctx.cols, &mut ctx.fields).map(|()| Recognised::Fields(kind))
}

fn haproxy_line(kind: Parsed, line: &[u8], _: &DenyList, ctx: &mut Ctx) -> Option<Recognised> {
    haproxy(line, &mut ctx.cols, &mut ctx.fields).map(|()| Recognised::Fields(kind))
}

pub(crate) const ALB: FormatSpec = FormatSpec {
    name: "alb",
    help: Some("AWS Application Load Balancer access logs"),
    detect: &[(50, alb_line)],
    format: &Parser(alb_line),
};

pub(crate) const ELB: FormatSpec = FormatSpec {
    name: "elb",
    help: Some("AWS classic Elastic Load Balancer access logs"),
    detect: &[(60, elb_line)],
    format: &Parser(elb_line),
};

pub(crate) const S3: FormatSpec = FormatSpec {
    name: "s3",
    help: Some("AWS S3 server access logs"),
    detect: &[(70, s3_line)],
    format: &Parser(s3_line),
};

pub(crate) const HAPROXY: FormatSpec = FormatSpec {
    name: "haproxy",
    help: Some("HAProxy's HTTP log format (option httplog)"),
    detect: &[(80, haproxy_line)],
    format: &Parser(haproxy_line),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognisers() {
        let mut c = Vec::new();
        let mut f = Fields::default();
        let alb_line = br#"http 2023-04-26T12:22:55.463821Z app/x/y 192.168.1.10:44740 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - -"#;
        assert!(alb(alb_line, &mut c, &mut f).is_some());
        assert!(elb(alb_line, &mut c, &mut f).is_none());
        let elb_line = br#"2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE TLSv1.2"#;
        assert!(elb(elb_line, &mut c, &mut f).is_some());
        let s3_line = br#"36c1f05b76016b78528454e6e0c60e2b test-s3 [01/Aug/2019:00:24:41 +0000] 72.21.217.31 arn:aws:sts::6279:assumed-role/x/alice 44EE REST.GET.LOCATION - "GET /t HTTP/1.1" 200"#;
        assert!(s3(s3_line, &mut c, &mut f).is_some());
        assert!(f
            .list
            .iter()
            .any(|(r, role)| *role == Role::User && s3_line[r.clone()].starts_with(b"arn:")));
        let ha = br#"Sep 25 06:05:27 host haproxy[6801]: 4.3.2.1:55008 [25/Sep/2018:06:05:27.584] ft~ bk/abc 0/0/0/72/72 200 7456 sid=1 - ---- 5/4/0/1/0 0/0 "POST /user/ HTTP/1.1""#;
        assert!(haproxy(ha, &mut c, &mut f).is_some());
        assert!(f
            .list
            .iter()
            .any(|(r, role)| *role == Role::Secret && &ha[r.clone()] == b"sid=1"));
    }

    /// A recogniser of this module.
    type Recogniser = fn(&[u8], &mut Vec<Range<usize>>, &mut Fields) -> Option<()>;

    /// The client, status and bytes noted for `line` by `parse`.
    fn figures(parse: Recogniser, line: &[u8]) -> [&[u8]; 3] {
        let mut f = Fields::default();
        parse(line, &mut Vec::new(), &mut f).unwrap();
        let at = |r: &Option<Range<usize>>| r.clone().map_or(&b"(none)"[..], |r| &line[r]);
        [at(&f.client), at(&f.status), at(&f.bytes)]
    }

    #[test]
    fn clients_statuses_and_bytes() {
        let alb_line = br#"h2 2026-01-01T10:00:00.186641Z app/lb/50dc 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 502 - 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" - -"#;
        assert_eq!(figures(alb, alb_line), [&b"10.0.1.252:48160"[..], b"502", b"257"]);
        // the ELB's status, else the backend's
        let elb_line = br#"2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 404 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE TLSv1.2"#;
        assert_eq!(figures(elb, elb_line), [&b"192.168.131.39:2817"[..], b"404", b"57"]);
        let tcp = br#"2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.001 0.002 0.003 - 301 0 58 "- - - " "-" - -"#;
        assert_eq!(figures(elb, tcp), [&b"192.168.131.39:2817"[..], b"301", b"58"]);
        let s3_line = br#"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket [01/Jan/2026:10:00:00 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /bucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#;
        assert_eq!(figures(s3, s3_line), [&b"192.0.2.3"[..], b"200", b"113"]);
        let short = br#"36c1f05b76016b78528454e6e0c60e2b test-s3 [01/Aug/2019:00:24:41 +0000] 72.21.217.31 arn:x 44EE REST.GET.LOCATION - "GET /t HTTP/1.1" 200"#;
        assert_eq!(figures(s3, short), [&b"72.21.217.31"[..], b"200", b"(none)"]);
        let ha = br#"Sep 25 06:05:27 host haproxy[6801]: 4.3.2.1:55008 [25/Sep/2018:06:05:27.584] ft~ bk/abc 0/0/0/72/72 503 +7456 - - ---- 5/4/0/1/0 0/0 "POST /user/ HTTP/1.1""#;
        assert_eq!(figures(haproxy, ha), [&b"4.3.2.1:55008"[..], b"503", b"+7456"]);
    }
}
