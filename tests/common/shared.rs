//! Data that is not part of the project: `../shared/NAME` beside the
//! checkout (the corpus, the Crypto-PAn vectors). A test that needs it is
//! marked `#[cfg_attr(not(shared_corpus), ignore = "needs ../shared/corpus")]`
//! (the cfg is set by build.rs when the folder is there), so the runner
//! reports it ignored where the data is missing; the check below stays for
//! a folder removed after the build.

use std::path::{Path, PathBuf};

/// `../shared/NAME`, or `None` after printing
/// `skipping: ../shared/NAME not found`.
pub fn shared(name: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: ../shared/{name} not found");
        None
    }
}
