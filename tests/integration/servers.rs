//! Both real-server setups: Apache with the piped logger
//! (`CustomLog "|loganon anonymize ..."`, including a graceful restart with a
//! request in flight) and nginx logging to syslog into `loganon listen`.
//! Each server runs as a child process on free loopback ports with its own
//! configuration in a temporary folder. A server test is skipped (with a
//! printed reason) only when the server's binary is absent; CI installs the
//! Debian packages `apache2` and `nginx`. `loganon listen` on its own is in
//! `listen.rs`, with the helpers here.
//!
//! Nothing waits for a fixed time: every wait polls for its condition (a port
//! accepts, the file holds N lines, a process is gone) until a deadline.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::common::bin::{loganon, stats_json, text, TestCommand, BIN};
use crate::common::child::Proc;
use crate::common::files::{line_count, read_text};
use crate::common::wait::wait_until;

/// How long a condition is given before the test fails.
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

/// A folder that the servers' unprivileged workers can read.
pub(crate) fn open_tempdir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o755)).unwrap();
    d
}

/// A loopback port free at the time of asking, on both 127.0.0.1 and ::1.
pub(crate) fn free_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if TcpListener::bind(("::1", port)).is_ok() {
            return port;
        }
    }
}

/// The path of a server binary, or `None` (the test is then skipped).
pub(crate) fn server_binary(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `cmd` (stdin and stdout /dev/null, stderr read line by line) as a child
/// stopped when the test ends early (a failed assertion): first with
/// SIGTERM (or its own stop signal, see [`Proc::stop_with`]), so a server
/// takes its workers with it.
pub(crate) fn guard(cmd: &mut TestCommand) -> Proc {
    cmd.stdout_to(Stdio::null())
        .spawn()
        .deadline(DEADLINE)
        .stop_with(libc::SIGTERM)
}

pub(crate) fn listen(args: &[&str]) -> Proc {
    guard(loganon().arg("listen").args(args))
}

pub(crate) fn octet(msg: &str) -> Vec<u8> {
    format!("{} {msg}", msg.len()).into_bytes()
}

pub(crate) fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// real servers

/// One HTTP/1.0 request; returns the status line.
fn get(addr: SocketAddr, target: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.0\r\nHost: localhost\r\nReferer: https://u:pw@example.com/?session=ref{target}\r\nUser-Agent: test/1.0\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp.lines().next().unwrap_or_default().to_string()
}

pub(crate) fn accepts(addr: SocketAddr) -> bool {
    TcpStream::connect(addr).is_ok()
}

/// Request `n` carries a secret in its query string; its `n` stays.
fn target(n: usize) -> String {
    format!("/index.html?n={n}&token=SECRET{n}x&email=who{n}%40example.com")
}

/// Every request made is in the log once, from the right anonymized
/// client, and no secret is left.
#[track_caller]
fn assert_log(text: &str, sent: &[(usize, bool)]) {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), sent.len(), "one line per request:\n{text}");
    for &(n, v6) in sent {
        let marker = format!("?n={n}&");
        let found: Vec<&&str> = lines.iter().filter(|l| l.contains(&marker)).collect();
        assert_eq!(found.len(), 1, "request {n}:\n{text}");
        let client = if v6 { ":: - - [" } else { "127.0.0.0 - - [" };
        assert!(found[0].starts_with(client), "request {n}: {}", found[0]);
        assert!(found[0].contains("token=REDACTED&email=REDACTED"), "{}", found[0]);
        assert!(
            found[0].contains("\"https://example.com/?session=REDACTED"),
            "{}",
            found[0]
        );
    }
    for secret in ["SECRET", "%40example", "127.0.0.1", "::1 ", "u:pw@", "session=ref"] {
        assert!(!text.contains(secret), "{secret} left in:\n{text}");
    }
}

/// Whether a process runs whose command line mentions `needle`.
pub(crate) fn process_running(needle: &str) -> bool {
    let Ok(dir) = fs::read_dir("/proc") else { return false };
    dir.flatten().any(|e| {
        fs::read(e.path().join("cmdline"))
            .map(|c| String::from_utf8_lossy(&c).contains(needle))
            .unwrap_or(false)
    })
}

/// An Apache configuration in `dir` (`httpd.conf`, a `htdocs` with an
/// `index.html`): both logs through the piped logger, and `extra` (more
/// modules and sections) at its end.
pub(crate) fn apache_config(dir: &Path, port: u16, extra: &str) -> PathBuf {
    let d = dir.display();
    let htdocs = dir.join("htdocs");
    fs::create_dir(&htdocs).unwrap();
    fs::write(htdocs.join("index.html"), "hello\n").unwrap();
    let modules = "/usr/lib/apache2/modules";
    let user = if process_user_exists("www-data") {
        "www-data"
    } else {
        "nobody"
    };
    let conf = format!(
        r#"ServerRoot "{d}"
ServerName localhost
Listen 127.0.0.1:{port}
Listen [::1]:{port}
PidFile "{d}/httpd.pid"
DefaultRuntimeDir "{d}"
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
User {user}
Group {user}
LogLevel info
ErrorLog "|{BIN} anonymize --until-eof -o {d}/error.log"
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{{Referer}}i\" \"%{{User-Agent}}i\"" combined
CustomLog "|{BIN} anonymize --until-eof -o {d}/access.log" combined
DocumentRoot "{d}/htdocs"
<Directory "{d}/htdocs">
    Require all granted
</Directory>
{extra}
"#
    );
    let path = dir.join("httpd.conf");
    fs::write(&path, conf).unwrap();
    path
}

pub(crate) fn process_user_exists(name: &str) -> bool {
    read_text(Path::new("/etc/passwd"))
        .lines()
        .any(|l| l.starts_with(&format!("{name}:")))
}

#[test]
#[cfg_attr(not(have_apache), ignore = "needs Apache (apt-get install apache2)")]
fn apache_piped_logger_survives_a_graceful_restart() {
    let Some(apache) = server_binary("apache2").or_else(|| server_binary("httpd")) else {
        eprintln!(
            "skipping apache_piped_logger_survives_a_graceful_restart: no apache2 binary (apt-get install apache2)"
        );
        return;
    };
    let dir = open_tempdir();
    let port = free_port();
    let conf = apache_config(dir.path(), port, "");
    let access = dir.path().join("access.log");
    let errors = dir.path().join("error.log");
    let mut httpd = guard(
        TestCommand::new(&apache)
            .arg("-f")
            .arg(&conf)
            .args(["-D", "FOREGROUND"]),
    );
    let v4: SocketAddr = ([127, 0, 0, 1], port).into();
    let v6: SocketAddr = format!("[::1]:{port}").parse().unwrap();
    wait_until("apache accepts on 127.0.0.1 and ::1", || accepts(v4) && accepts(v6));

    let mut sent = Vec::new();
    let request = |n: usize, sent: &mut Vec<(usize, bool)>| {
        let v6_client = n % 2 == 1;
        let status = get(if v6_client { v6 } else { v4 }, &target(n));
        assert!(status.contains(" 200 "), "request {n}: {status}");
        sent.push((n, v6_client));
    };
    for n in 0..20 {
        request(n, &mut sent);
    }
    // flush on idle: the lines are in the file while Apache runs
    wait_until("20 lines while apache runs", || line_count(&access) == 20);

    // a request in flight across the graceful restart: its old child logs it
    // to the old piped logger, which Apache sends SIGTERM
    let mut inflight = TcpStream::connect(v4).unwrap();
    write!(inflight, "GET {} HTTP/1.0\r\nHost: localhost\r\n", target(1000)).unwrap();
    let restarts = || read_text(&errors).matches("resuming normal operations").count();
    wait_until("apache started", || restarts() >= 1);
    let st = TestCommand::new(&apache)
        .arg("-f")
        .arg(&conf)
        .args(["-k", "graceful"])
        .output();
    assert!(st.status.success(), "apache2 -k graceful failed: {}", text(&st.stderr));
    wait_until("the graceful restart", || restarts() >= 2);
    write!(
        inflight,
        "Referer: https://u:pw@example.com/?session=ref{}\r\nUser-Agent: test/1.0\r\n\r\n",
        target(1000)
    )
    .unwrap();
    let mut resp = String::new();
    inflight.set_read_timeout(Some(DEADLINE)).unwrap();
    inflight.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200 "), "in-flight request: {resp:.40}");
    sent.push((1000, false));

    for n in 20..40 {
        request(n, &mut sent);
    }
    wait_until("every line while apache runs", || line_count(&access) == sent.len());

    httpd.signal(libc::SIGTERM);
    let (status, err) = httpd.wait();
    assert!(status.success() || status.code().is_none(), "apache: {status:?} {err}");
    // the piped loggers end at the end of their input
    let needle = dir.path().display().to_string();
    wait_until("the piped loggers exit", || !process_running(&needle));
    assert_log(&read_text(&access), &sent);
    // ErrorLog through the same filter: client addresses are truncated
    let elog = read_text(&errors);
    assert!(elog.contains("resuming normal operations"), "{elog}");
    assert!(!elog.contains("127.0.0.1") && !elog.contains("SECRET"), "{elog}");
}

/// An nginx configuration in `dir` (`nginx.conf`, a `htdocs` with an
/// `index.html`): the access log to `access_log` (`syslog:server=ADDR
/// combined`, `off`), the error log to `error.log` at level `info`, and
/// `locations` in the server.
pub(crate) fn nginx_config(dir: &Path, port: u16, access_log: &str, locations: &str) -> PathBuf {
    let d = dir.display();
    let htdocs = dir.join("htdocs");
    fs::create_dir(&htdocs).unwrap();
    fs::write(htdocs.join("index.html"), "hello\n").unwrap();
    let user = if process_user_exists("www-data") {
        "www-data"
    } else {
        "nobody"
    };
    let conf = format!(
        r#"daemon off;
worker_processes 1;
user {user};
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {access_log};
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        listen [::1]:{port};
        root {d}/htdocs;
        {locations}
    }}
}}
"#
    );
    let path = dir.join("nginx.conf");
    fs::write(&path, conf).unwrap();
    path
}

#[test]
#[cfg_attr(not(have_nginx), ignore = "needs nginx (apt-get install nginx)")]
fn nginx_syslog_into_listen() {
    let Some(nginx) = server_binary("nginx") else {
        eprintln!("skipping nginx_syslog_into_listen: no nginx binary (apt-get install nginx)");
        return;
    };
    let dir = open_tempdir();
    let access = dir.path().join("access.log");
    let mut l = listen(&[
        "--udp",
        "127.0.0.1:0",
        "-o",
        access.to_str().unwrap(),
        "--stats",
        "json",
    ]);
    let syslog = l.listen_addr("udp");
    let port = free_port();
    let conf = nginx_config(dir.path(), port, &format!("syslog:server={syslog} combined"), "");
    let mut server = guard(
        TestCommand::new(&nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf),
    )
    .stop_with(libc::SIGQUIT);
    let v4: SocketAddr = ([127, 0, 0, 1], port).into();
    let v6: SocketAddr = format!("[::1]:{port}").parse().unwrap();
    wait_until("nginx accepts on 127.0.0.1 and ::1", || accepts(v4) && accepts(v6));
    let mut sent = Vec::new();
    for n in 0..40 {
        let v6_client = n % 2 == 1;
        let status = get(if v6_client { v6 } else { v4 }, &target(n));
        assert!(status.contains(" 200 "), "request {n}: {status}");
        sent.push((n, v6_client));
    }
    // the probes of `accepts` are logged too (400, no request line): count them
    wait_until("one line per request while nginx runs", || {
        read_text(&access).matches("?n=").count() == sent.len()
    });
    server.signal(libc::SIGQUIT);
    let (status, err) = server.wait();
    assert!(status.success(), "nginx: {status:?} {err}");
    l.signal(libc::SIGTERM);
    let (status, err) = l.wait();
    assert_eq!(status.code(), Some(0), "{err}");
    let text = read_text(&access);
    // only the requests: the connection probes (logged as 400 "") go
    let requests: String = text
        .lines()
        .filter(|l| !l.contains("\"\" 400 "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_log(&requests, &sent);
    for line in text.lines().filter(|l| l.contains("\"\" 400 ")) {
        assert!(
            line.starts_with("127.0.0.0 - - [") || line.starts_with(":: - - ["),
            "{line}"
        );
    }
    let j = stats_json(&err);
    assert_eq!(j["udp_dropped"], 0, "{err}");
    assert_eq!(j["received"].as_u64(), Some(text.lines().count() as u64), "{err}");
    assert_eq!(j["written"], j["received"], "{err}");
}
