//! Says to the tests what this machine has, so that a test that cannot run
//! here is reported as ignored (with why) instead of passing without doing
//! anything: `cfg(shared_corpus)`, `cfg(shared_cryptopan)`,
//! `cfg(shared_fuzz_findings)` when `../shared/NAME` is beside the
//! checkout, `cfg(have_nginx)`, `cfg(have_apache)`, `cfg(have_goaccess)`,
//! `cfg(have_logrotate)`, `cfg(have_chromium)`
//! when the program is installed. Tests carry
//! `#[cfg_attr(not(have_nginx), ignore = "needs nginx (apt-get install nginx)")]`.
//! Nothing of the binary or the library depends on these.

use std::path::{Path, PathBuf};

fn main() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    println!("cargo::rerun-if-changed={}", shared.display());
    println!("cargo::rerun-if-env-changed=PATH");
    for (name, cfg) in [
        ("corpus", "shared_corpus"),
        ("cryptopan", "shared_cryptopan"),
        ("fuzz-findings", "shared_fuzz_findings"),
        ("ipcrypt", "shared_ipcrypt"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if shared.join(name).is_dir() {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
    for (programs, cfg) in [
        (&["nginx"][..], "have_nginx"),
        (&["apache2", "httpd"][..], "have_apache"),
        (&["goaccess"][..], "have_goaccess"),
        (&["logrotate"][..], "have_logrotate"),
        (&["chromium", "chromium-browser"][..], "have_chromium"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if programs.iter().any(|p| on_path(p).is_some()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

/// Where `name` is installed: on PATH or in the sbin folders (servers).
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
