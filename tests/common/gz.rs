//! Compressed test data, made and read by flate2 and bzip2 (not by
//! loganon's own codecs).

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

/// One gzip member holding `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data).expect("gzip into memory");
    e.finish().expect("gzip into memory")
}

/// Whether `data` starts like gzip.
pub fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b])
}

/// All members of a gzip stream, decompressed; panics on a truncated or
/// corrupt stream.
#[track_caller]
pub fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if let Err(e) = MultiGzDecoder::new(data).read_to_end(&mut out) {
        panic!("not a complete, valid gzip stream: {e}");
    }
    out
}

/// As much of a (possibly unfinished) gzip stream as decodes.
pub fn gunzip_partial(data: &[u8]) -> Vec<u8> {
    let mut d = MultiGzDecoder::new(data);
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = d.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    out
}

/// The content of a plain or gzip file's bytes, decompressed; an error for
/// a gzip stream that is truncated or corrupt.
pub fn plain(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if is_gzip(bytes) {
        let mut v = Vec::new();
        MultiGzDecoder::new(bytes)
            .read_to_end(&mut v)
            .map_err(|e| format!("invalid gzip: {e}"))?;
        Ok(v)
    } else {
        Ok(bytes.to_vec())
    }
}

/// The bytes of a file, decompressed when it is gzip or bzip2 (by name or
/// by magic bytes; every member is read to the end).
pub fn decompressed(path: &Path) -> io::Result<Vec<u8>> {
    let raw = fs::read(path)?;
    let mut out = Vec::new();
    if path.extension().is_some_and(|e| e == "gz") || is_gzip(&raw) {
        MultiGzDecoder::new(&raw[..]).read_to_end(&mut out)?;
    } else if path.extension().is_some_and(|e| e == "bz2") || raw.starts_with(b"BZh") {
        bzip2::read::MultiBzDecoder::new(&raw[..]).read_to_end(&mut out)?;
    } else {
        return Ok(raw);
    }
    Ok(out)
}
