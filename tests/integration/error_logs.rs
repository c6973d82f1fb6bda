//! Issue 25, item 6: Apache's `error_log` and nginx's `error.log` as formats
//! with roles. Each case states the whole output; the output is searched for
//! what was planted (the names, the addresses, the secrets) by this file,
//! and `check` finds nothing in it. The real servers write their error logs
//! (Apache through the piped logger, nginx to a file read afterwards), with
//! the authentication failures provoked by real requests.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;

use crate::common::bin::{loganon, stats_json, text, TestCommand};
use crate::common::files::{key_file, read_text};
use crate::common::wait::wait_until;
use crate::servers::{
    accepts, apache_config, free_port, guard, nginx_config, open_tempdir, process_running, server_binary, DEADLINE,
};

/// Apache 2.4 and 2.2 lines: what they become.
const APACHE: &[(&str, &str)] = &[
    (
        "[Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 32514:tid 32562] [client 203.0.113.77:53998] AH01618: user bob.smith not found: /private/, referer: http://ref.example/?email=carol@example.org",
        "[Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 32514:tid 32562] [client 203.0.113.0:53998] AH01618: user - not found: /private/, referer: http://ref.example/?email=REDACTED",
    ),
    (
        r#"[Mon Dec 07 03:38:24.865585 2026] [auth_basic:error] [pid 32514:tid 32538] [client 203.0.113.77:54002] AH01617: user alice: authentication failure for "/private/": Password Mismatch"#,
        r#"[Mon Dec 07 03:38:24.865585 2026] [auth_basic:error] [pid 32514:tid 32538] [client 203.0.113.0:54002] AH01617: user -: authentication failure for "/private/": Password Mismatch"#,
    ),
    // a name with a space; an IPv6 client with its port glued on
    (
        "[Mon Dec 07 03:38:24.877119 2026] [auth_basic:error] [pid 32514:tid 32542] [client 2001:db8:5:6::77:54018] AH01618: user john doe not found: /private/",
        "[Mon Dec 07 03:38:24.877119 2026] [auth_basic:error] [pid 32514:tid 32542] [client 2001:db8:5:::54018] AH01618: user - not found: /private/",
    ),
    // a host name (HostnameLookups On), URL credentials and a token in the referer
    (
        "[Mon Dec 07 03:38:24.887060 2026] [core:info] [pid 32514:tid 32546] [client crawler7.isp.example.net:54028] AH00128: File does not exist: /srv/www/missing, referer: http://u:pw@ref.example/x?token=t0k",
        "[Mon Dec 07 03:38:24.887060 2026] [core:info] [pid 32514:tid 32546] [client example.net:54028] AH00128: File does not exist: /srv/www/missing, referer: http://ref.example/x?token=REDACTED",
    ),
    // the server's own message: kept
    (
        "[Mon Dec 07 03:38:25.436078 2026] [core:info] [pid 32513:tid 32513] AH00096: removed PID file /run/apache2/apache2.pid (pid=32513)",
        "[Mon Dec 07 03:38:25.436078 2026] [core:info] [pid 32513:tid 32513] AH00096: removed PID file /run/apache2/apache2.pid (pid=32513)",
    ),
    // Apache 2.2
    (
        "[Wed Oct 11 14:32:52 2000] [error] [client 198.51.100.23] user dave not found: /private",
        "[Wed Oct 11 14:32:52 2000] [error] [client 198.51.100.0] user - not found: /private",
    ),
    (
        "[Wed Oct 11 14:32:52 2000] [error] [client 2001:db8::23] File does not exist: /srv/www/favicon.ico",
        "[Wed Oct 11 14:32:52 2000] [error] [client 2001:db8::] File does not exist: /srv/www/favicon.ico",
    ),
    // `user NAME` in any other message: the name goes (fail closed)
    (
        "[Wed Oct 11 14:32:53 2000] [notice] getpwnam: unknown user eve-admin",
        "[Wed Oct 11 14:32:53 2000] [notice] getpwnam: unknown user -",
    ),
];

/// nginx lines: what they become.
const NGINX: &[(&str, &str)] = &[
    (
        r#"2026/12/07 03:38:32 [error] 32630#32630: *1 user "bob.smith" was not found in "/etc/nginx/htpasswd", client: 203.0.113.77, server: localhost, request: "GET /private/?token=SECRET1 HTTP/1.1", host: "www.example.com", referrer: "http://ref.example/?email=carol@example.org""#,
        r#"2026/12/07 03:38:32 [error] 32630#32630: *1 user "-" was not found in "/etc/nginx/htpasswd", client: 203.0.113.0, server: localhost, request: "GET /private/?token=REDACTED HTTP/1.1", host: "www.example.com", referrer: "http://ref.example/?email=REDACTED""#,
    ),
    (
        "2026/12/07 03:38:32 [info] 32630#32630: *1 client 203.0.113.77 closed keepalive connection",
        "2026/12/07 03:38:32 [info] 32630#32630: *1 client 203.0.113.0 closed keepalive connection",
    ),
    (
        r#"2026/12/07 03:38:32 [error] 32630#32630: *2 user "alice": password mismatch, client: 2001:db8:5:6::77, server: localhost, request: "GET /private/ HTTP/1.1", host: "www.example.com""#,
        r#"2026/12/07 03:38:32 [error] 32630#32630: *2 user "-": password mismatch, client: 2001:db8:5::, server: localhost, request: "GET /private/ HTTP/1.1", host: "www.example.com""#,
    ),
    // a name holding a quote and the words nginx writes after the message
    (
        r#"2026/12/07 03:38:32 [error] 32630#32630: *4 user "x"y, client: 9.9.9.9, server: z" was not found in "/etc/nginx/htpasswd", client: 203.0.113.77, server: localhost, request: "GET /private/ HTTP/1.1", host: "www.example.com""#,
        r#"2026/12/07 03:38:32 [error] 32630#32630: *4 user "-" was not found in "/etc/nginx/htpasswd", client: 203.0.113.0, server: localhost, request: "GET /private/ HTTP/1.1", host: "www.example.com""#,
    ),
    (
        r#"2026/12/07 03:38:32 [error] 32630#32630: *6 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.77, server: localhost, request: "GET /up/x?sid=S3 HTTP/1.1", upstream: "http://10.0.0.5:8080/x?sid=S3", host: "www.example.com""#,
        r#"2026/12/07 03:38:32 [error] 32630#32630: *6 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.0, server: localhost, request: "GET /up/x?sid=REDACTED HTTP/1.1", upstream: "http://10.0.0.0:8080/x?sid=REDACTED", host: "www.example.com""#,
    ),
    (
        "2026/12/07 03:38:31 [notice] 32628#32628: start worker process 32630",
        "2026/12/07 03:38:31 [notice] 32628#32628: start worker process 32630",
    ),
];

/// What was planted in the lines above; none of it may be left.
const PLANTED: &[&str] = &[
    "bob.smith",
    "alice",
    "john",
    "john doe",
    "dave",
    "eve-admin",
    "x\"y",
    "9.9.9.9",
    "carol",
    "203.0.113.77",
    "::77",
    "198.51.100.23",
    "2001:db8::23",
    "crawler7",
    "u:pw@",
    "t0k",
    "SECRET1",
    "=S3",
];

fn lines(cases: &[(&str, &str)], side: usize) -> String {
    cases
        .iter()
        .map(|c| format!("{}\n", if side == 0 { c.0 } else { c.1 }))
        .collect()
}

/// `anonymize --stats json ARGS` over `input` in a file: stdout and the stats.
fn anonymize(args: &[&str], input: &str) -> (String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("error.log");
    fs::write(&p, input).unwrap();
    let o = loganon()
        .arg("anonymize")
        .args(["--stats", "json"])
        .args(args)
        .arg(&p)
        .assert_exit_code(0);
    (text(&o.stdout), stats_json(&text(&o.stderr)))
}

/// `check` on `input`: exit 0 and no finding.
#[track_caller]
fn assert_clean(input: &str) {
    let o = loganon().arg("check").stdin(input).output();
    assert_eq!(o.status.code(), Some(0), "check finds:\n{}", text(&o.stdout));
}

#[track_caller]
fn assert_nothing_planted(out: &str, planted: &[&str]) {
    for p in planted {
        assert!(!out.contains(p), "{p} left in:\n{out}");
    }
}

#[test]
fn apache_and_nginx_error_lines_become_exactly() {
    for (name, cases) in [("apache_error", APACHE), ("nginx_error", NGINX)] {
        let want = lines(cases, 1);
        for args in [&["--format", "auto"][..], &["--format", name]] {
            let (out, stats) = anonymize(args, &lines(cases, 0));
            assert_eq!(out, want, "{args:?}");
            assert_eq!(stats["parsed_per_format"][name], cases.len(), "{args:?} {stats}");
            assert_eq!(stats["unparsed"], 0, "{stats}");
        }
        assert_nothing_planted(&want, PLANTED);
        assert_clean(&want);
        // `check` sees the names in the input by their role
        let o = loganon().arg("check").stdin(lines(cases, 0)).output();
        assert_ne!(o.status.code(), Some(0), "{name}: check found nothing in the input");
        assert!(text(&o.stdout).contains("user-field"), "{}", text(&o.stdout));
    }
}

#[test]
fn a_name_in_hash_mode_becomes_its_pseudonym() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), "key", &[7u8; 32], 0o600);
    let k = key.to_str().unwrap();
    let input = lines(&APACHE[..1], 0) + &lines(&NGINX[..1], 0);
    let (out, _) = anonymize(&["--identifiers", "hash", "--key-file", k], &input);
    let ids: Vec<&str> = out
        .lines()
        .map(|l| {
            let s = l.find("user ").unwrap() + 5;
            let s = s + usize::from(l[s..].starts_with('"'));
            let e = s + l[s..].find([' ', '"']).unwrap();
            &l[s..e]
        })
        .collect();
    // the same name, the same pseudonym, in both formats
    assert_eq!(ids.len(), 2, "{out}");
    assert_eq!(ids[0], ids[1], "{out}");
    assert!(ids[0] != "-" && ids[0] != "bob.smith", "{out}");
}

// ---------------------------------------------------------------------------
// real servers

/// `Authorization: Basic` of `user:password`, encoded here.
fn basic(user_pw: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = user_pw.as_bytes();
    let mut s = String::new();
    for c in b.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                s.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// One HTTP/1.0 request with these credentials (if any) and a referer
/// holding an email; returns the status line.
fn get(addr: SocketAddr, target: &str, user_pw: Option<&str>) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let auth = user_pw.map_or(String::new(), |u| format!("Authorization: Basic {}\r\n", basic(u)));
    write!(
        s,
        "GET {target} HTTP/1.0\r\nHost: localhost\r\n{auth}Referer: http://ref.example/?email=carol%40example.org\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp.lines().next().unwrap_or_default().to_string()
}

/// The requests both servers get: two unknown users (one with a space in
/// the name), a wrong password, a missing file with a token; from IPv4 and
/// IPv6 clients.
const REQUESTS: &[(&str, Option<&str>)] = &[
    ("/private/", Some("bob.smith:pw")),
    ("/private/", Some("alice:wrong")),
    ("/private/", Some("john doe:pw")),
    ("/missing?token=SECRET9", None),
];

fn provoke(port: u16) {
    for v6 in [false, true] {
        let addr: SocketAddr = if v6 {
            format!("[::1]:{port}").parse().unwrap()
        } else {
            ([127, 0, 0, 1], port).into()
        };
        for (target, auth) in REQUESTS {
            let status = get(addr, target, *auth);
            assert!(
                status.contains(" 401 ") || status.contains(" 404 "),
                "{target}: {status}"
            );
        }
    }
}

const SERVER_PLANTED: &[&str] = &["bob.smith", "alice", "john", "127.0.0.1", "::1", "SECRET9", "carol"];

/// The protected folder and the password file (`line`) of both servers.
fn write_site(dir: &Path, line: &str) {
    fs::create_dir_all(dir.join("htdocs/private")).unwrap();
    fs::write(dir.join("htdocs/private/index.html"), "s\n").unwrap();
    fs::write(dir.join("htpasswd"), format!("{line}\n")).unwrap();
}

#[test]
#[cfg_attr(not(have_apache), ignore = "needs Apache (apt-get install apache2)")]
fn a_real_apache_error_log_through_the_piped_logger() {
    let Some(apache) = server_binary("apache2").or_else(|| server_binary("httpd")) else {
        eprintln!(
            "skipping a_real_apache_error_log_through_the_piped_logger: no apache2 binary (apt-get install apache2)"
        );
        return;
    };
    let dir = open_tempdir();
    let port = free_port();
    let d = dir.path().display().to_string();
    let m = "/usr/lib/apache2/modules";
    let conf_path = apache_config(
        dir.path(),
        port,
        &format!(
            r#"LoadModule authz_user_module {m}/mod_authz_user.so
LoadModule authn_core_module {m}/mod_authn_core.so
LoadModule authn_file_module {m}/mod_authn_file.so
LoadModule auth_basic_module {m}/mod_auth_basic.so
<Directory "{d}/htdocs/private">
    AuthType Basic
    AuthName "private"
    AuthBasicProvider file
    AuthUserFile "{d}/htpasswd"
    Require valid-user
</Directory>"#
        ),
    );
    // alice has a password, which no request gives
    write_site(dir.path(), "alice:{SHA}AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    let mut httpd = guard(
        TestCommand::new(&apache)
            .arg("-f")
            .arg(&conf_path)
            .args(["-D", "FOREGROUND"]),
    );
    let v4: SocketAddr = ([127, 0, 0, 1], port).into();
    let v6: SocketAddr = format!("[::1]:{port}").parse().unwrap();
    wait_until("apache accepts on 127.0.0.1 and ::1", || accepts(v4) && accepts(v6));
    provoke(port);
    let log = dir.path().join("error.log");
    wait_until("the eight messages while apache runs", || {
        read_text(&log).matches("[client ").count() >= 8
    });
    httpd.signal(libc::SIGTERM);
    let (status, err) = httpd.wait();
    assert!(status.success() || status.code().is_none(), "apache: {status:?} {err}");
    wait_until("the piped logger exits", || !process_running(&d));
    let out = read_text(&log);
    for v6 in [false, true] {
        let client = if v6 { "[client :::" } else { "[client 127.0.0.0:" };
        let of = |needle: &str| out.lines().filter(|l| l.contains(client) && l.contains(needle)).count();
        assert_eq!(of("AH01618: user - not found: /private/"), 2, "v6 {v6}:\n{out}");
        assert_eq!(
            of(r#"AH01617: user -: authentication failure for "/private/": Password Mismatch"#),
            1,
            "v6 {v6}:\n{out}"
        );
        assert_eq!(
            of("/missing, referer: http://ref.example/?email=REDACTED"),
            1,
            "v6 {v6}:\n{out}"
        );
    }
    assert_nothing_planted(&out, SERVER_PLANTED);
    assert_clean(&out);
    // every line of the error log was recognised as Apache's
    let o = loganon()
        .args(["anonymize", "--stats", "json"])
        .stdin(out.as_str())
        .output();
    let s = stats_json(&text(&o.stderr));
    assert_eq!(
        s["parsed_per_format"]["apache_error"],
        out.lines().count(),
        "{s}\n{out}"
    );
}

#[test]
#[cfg_attr(not(have_nginx), ignore = "needs nginx (apt-get install nginx)")]
fn a_real_nginx_error_log() {
    let Some(nginx) = server_binary("nginx") else {
        eprintln!("skipping a_real_nginx_error_log: no nginx binary (apt-get install nginx)");
        return;
    };
    let dir = open_tempdir();
    let port = free_port();
    let d = dir.path().display().to_string();
    let conf_path = nginx_config(
        dir.path(),
        port,
        "off",
        &format!(r#"location /private/ {{ auth_basic "private"; auth_basic_user_file {d}/htpasswd; }}"#),
    );
    // nginx takes `{PLAIN}`; alice's password is still never given
    write_site(dir.path(), "alice:{PLAIN}right");
    let log = dir.path().join("error.log");
    let mut server = guard(
        TestCommand::new(&nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(&log)
            .arg("-c")
            .arg(&conf_path),
    )
    .stop_with(libc::SIGQUIT);
    let v4: SocketAddr = ([127, 0, 0, 1], port).into();
    let v6: SocketAddr = format!("[::1]:{port}").parse().unwrap();
    wait_until("nginx accepts on 127.0.0.1 and ::1", || accepts(v4) && accepts(v6));
    provoke(port);
    wait_until("the eight messages while nginx runs", || {
        read_text(&log).matches(", client: ").count() >= 8
    });
    server.signal(libc::SIGQUIT);
    let (status, err) = server.wait();
    assert!(status.success(), "nginx: {status:?} {err}");
    let raw = read_text(&log);
    let (out, stats) = anonymize(&[], &raw);
    assert_eq!(
        stats["parsed_per_format"]["nginx_error"],
        raw.lines().count(),
        "{stats}\n{raw}"
    );
    for client in ["client: 127.0.0.0, ", "client: ::, "] {
        let of = |needle: &str| out.lines().filter(|l| l.contains(client) && l.contains(needle)).count();
        assert_eq!(of(r#"user "-" was not found in ""#), 2, "{client}:\n{out}");
        assert_eq!(of(r#"user "-": password mismatch"#), 1, "{client}:\n{out}");
        assert_eq!(
            of(r#"request: "GET /missing?token=REDACTED HTTP/1.0""#),
            1,
            "{client}:\n{out}"
        );
    }
    assert_nothing_planted(&out, SERVER_PLANTED);
    assert_clean(&out);
}

/// What a red-team pass found: names with an opening quote and no closing
/// one, names with spaces in other modules' messages, names cut by a line
/// end (nginx writes a `\n` or `\r` in a name as it came) or by nginx's
/// line limit, names and secrets other messages carry, and the same
/// messages after prefixes no format knows (Apache through syslog, a
/// docker-compose prefix).
#[test]
fn the_shapes_a_red_team_found() {
    let a = |m: &str| {
        format!("[Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 1:tid 2] [client 203.0.113.77:53998] {m}")
    };
    let a_out = |m: &str| {
        format!("[Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 1:tid 2] [client 203.0.113.0:53998] {m}")
    };
    let n = |m: &str| format!("2026/12/07 03:38:32 [error] 32630#32630: *1 {m}");
    let c = r#", client: 203.0.113.77, server: localhost, request: "GET /private/ HTTP/1.1", host: "example.com""#;
    let c_out = r#", client: 203.0.113.0, server: localhost, request: "GET /private/ HTTP/1.1", host: "example.com""#;
    let cases: Vec<(String, String)> = vec![
        (
            n(&format!("user \"robert\nsmith\" was not found in \"/etc/nginx/htpasswd\"{c}")),
            n(&format!("user \"-\n-\" was not found in \"/etc/nginx/htpasswd\"{c_out}")),
        ),
        (
            n(&format!("user \"robert\rsmith\": password mismatch{c}")),
            n(&format!("user \"-\r-\": password mismatch{c_out}")),
        ),
        (n("user \"Robert Smith Robert Smith Rob"), n("user \"-")),
        (a("AH01618: user 'Robert Smith not found: /private/"), a_out("AH01618: user '- not found: /private/")),
        (
            a(r#"AH01617: user `robert.smith: authentication failure for "/private/": Password Mismatch"#),
            a_out(r#"AH01617: user `-: authentication failure for "/private/": Password Mismatch"#),
        ),
        (
            a("AH01666: Authorization of user Robert Smith to access /private/ failed, reason: user doesn't appear in group file (/etc/apache2/groups)."),
            a_out("AH01666: Authorization of user - to access /private/ failed, reason: user doesn't appear in group file (/etc/apache2/groups)."),
        ),
        (
            a("AH01778: user Robert Smith: nonce expired (30.00 seconds old - max lifetime 10.00) - sending new nonce"),
            a_out("AH01778: user -: nonce expired (30.00 seconds old - max lifetime 10.00) - sending new nonce"),
        ),
        (a("AH01697: auth_ldap authenticate: accepting Robert Smith"), a_out("AH01697: auth_ldap authenticate: accepting -")),
        (
            a("AH01656: Query execution error looking up 'robert.smith' in database [x]"),
            a_out("AH01656: Query execution error looking up '-' in database [x]"),
        ),
        (a("AH01685: Authn cache: found credentials for robert.smith"), a_out("AH01685: Authn cache: found credentials for -")),
        (a("AH02519: authorizer: Setting user to 'robert.smith'"), a_out("AH02519: authorizer: Setting user to '-'")),
        (
            "[Mon Dec 07 03:38:24.855894 2026] [rewrite:trace3] [pid 1:tid 2] mod_rewrite.c(483): [client 203.0.113.77:53998] 203.0.113.77 - robert.smith [www.example.com/sid#55d5c1a2b3c8][rid#7f00a0001234/initial] applying pattern '^/x' to uri '/x'".into(),
            "[Mon Dec 07 03:38:24.855894 2026] [rewrite:trace3] [pid 1:tid 2] mod_rewrite.c(483): [client 203.0.113.0:53998] 203.0.113.0 - - [www.example.com/sid#55d5c1a2b3c8][rid#7f00a0001234/initial] applying pattern '^/x' to uri '/x'".into(),
        ),
        (
            r#"2026/12/07 03:38:32 [info] 32630#32630: *1 client login failed, client: 203.0.113.77, server: 0.0.0.0:143, login: "Robert Smith""#.into(),
            r#"2026/12/07 03:38:32 [info] 32630#32630: *1 client login failed, client: 203.0.113.0, server: 0.0.0.0:143, login: "-""#.into(),
        ),
        (
            n(&format!(r#"FastCGI sent in stderr: "PHP message: PHP Warning:  session_start(): open(/var/lib/php/sessions/sess_k3v9q2m1r8t7u6w5x4y3z2a1b0, O_RDWR) failed" while reading response header from upstream{c}"#)),
            n(&format!(r#"FastCGI sent in stderr: "PHP message: PHP Warning:  session_start(): open(/var/lib/php/sessions/sess_REDACTED, O_RDWR) failed" while reading response header from upstream{c_out}"#)),
        ),
        (
            a(r#"ModSecurity: Access denied with code 403 (phase 2). [data "Matched Data: s&1 found within ARGS:login: robert.smith'"] [data "found within REQUEST_COOKIES:PHPSESSID: k3v9q2m1r8t7u6w5x4y3z2a1b0'"] [uri "/login"]"#),
            a_out(r#"ModSecurity: Access denied with code 403 (phase 2). [data "Matched Data: s&1 found within ARGS:login: REDACTED'"] [data "found within REQUEST_COOKIES:PHPSESSID: REDACTED'"] [uri "/login"]"#),
        ),
        (
            a("AH02039: Certificate Verification: Error (20): unable to get local issuer certificate [subject: CN=Robert Smith,O=ACME / issuer: CN=CA / serial: 01]"),
            a_out("AH02039: Certificate Verification: Error (20): unable to get local issuer certificate [subject: - / issuer: CN=CA / serial: 01]"),
        ),
        (
            "Dec  7 03:38:24 web1 apache2[123]: [auth_basic:error] [pid 1:tid 2] [client 203.0.113.77:53998] AH01618: user robert.smith not found: /private/".into(),
            "Dec  7 03:38:24 web1 apache2[123]: [auth_basic:error] [pid 1:tid 2] [client 203.0.113.0:53998] AH01618: user - not found: /private/".into(),
        ),
        (
            format!("web1  | {}", n(&format!("user \"robert.smith\": password mismatch{c}"))),
            format!("web1  | {}", n(&format!("user \"-\": password mismatch{c_out}"))),
        ),
    ];
    let input: String = cases.iter().map(|c| format!("{}\n", c.0)).collect();
    let want: String = cases.iter().map(|c| format!("{}\n", c.1)).collect();
    let (out, _) = anonymize(&[], &input);
    assert_eq!(out, want);
    assert_nothing_planted(&out, &["robert", "Robert", "smith", "k3v9", "203.0.113.77"]);
    assert_clean(&out);
}

/// `crash-530131b8` (auto): `[client 2.0.3.7\0 07]`, digits glued on after a
/// control byte, kept while the address was truncated; a reader that drops
/// control bytes read `2.0.3.007`. The client is now read whole, through
/// the control byte; letters glued on still leave the address alone.
#[test]
fn an_error_log_client_glued_to_a_control_byte_is_read_whole() {
    crate::fuzz_regressions::expect(
        "auto",
        &[
            (
                b"[Mon Dec 07 03:38:24 2026] [client 2.0.3.7\x007]\n",
                b"[Mon Dec 07 03:38:24 2026] [client 2.0.3.0]\n",
            ),
            (
                b"[Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 1:tid 2] [client 203.0.113.7\0\0\x007:53997] AH01618: user bob not found: /p\n",
                b"[Mon Dec 07 03:38:24.855894 2026] [auth_basic:error] [pid 1:tid 2] [client 203.0.113.0:53997] AH01618: user - not found: /p\n",
            ),
            (
                b"[Mon Dec 07 03:38:24 2026] [client 2.0.3.7x] y\n",
                b"[Mon Dec 07 03:38:24 2026] [client 2.0.3.0x] y\n",
            ),
        ],
    );
}
