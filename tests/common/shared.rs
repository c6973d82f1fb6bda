//! Data that is not part of the project: `../shared/NAME` beside the
//! checkout (the corpus, the Crypto-PAn vectors). A test that needs it and
//! does not find it prints why and passes.

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
