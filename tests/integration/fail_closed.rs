//! Property tests of the engine against arbitrary bytes and against bytes
//! built from the scanner's trigger tokens: no panic, the `\n` count kept,
//! nothing left that the oracle finds (fail closed on garbage), idempotent.

use loganon::check::check_bytes;
use loganon::{Engine, Rules};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::common::chunk_with;
use crate::properties::{config, count, find, idempotent, show};

// ---------------------------------------------------------------------------
// Properties of arbitrary bytes
// ---------------------------------------------------------------------------

/// Bytes rich in what the scanner looks at: digits, hex, `. : @ % = - [ ] "`,
/// encoded delimiters, deny-listed names, spaces, CR and LF.
fn log_soup() -> impl Strategy<Value = Vec<u8>> {
    let token = select(vec![
        "0",
        "1",
        "9",
        "12",
        "255",
        "256",
        "a",
        "f",
        "F",
        "ff",
        "ffff",
        "db8",
        "fe80",
        "x",
        "com",
        ".",
        ":",
        "::",
        "@",
        "%",
        "%3A",
        "%3a",
        "%40",
        "%2540",
        "%3D",
        "%25",
        "=",
        "-",
        "_",
        "/",
        "?",
        "&",
        ";",
        ",",
        " ",
        "  ",
        "\"",
        "\\",
        "[",
        "]",
        "\r",
        "\n",
        "\t",
        "1.2.3.4",
        "user=",
        "token%3D",
        "email=",
        "https://",
        "u:p@",
        "x@y.com",
        "00:1a:2b:3c:4d:5e",
        "4111111111111111",
        "\u{e9}",
        "\u{ff}",
    ]);
    vec(token, 0..80).prop_map(|t| t.concat().into_bytes())
}

/// No panic, the `\n` count kept, nothing left that the oracle finds.
pub(crate) fn fails_closed(input: &[u8]) -> Result<(), TestCaseError> {
    let out = chunk_with(&Engine::default(), input);
    prop_assert_eq!(count(&out, b"\n"), count(input, b"\n"), "input {:?}", show(input));
    let report = check_bytes(&Rules::default(), &out);
    prop_assert_eq!(
        report.total(),
        0,
        "input  {:?}\noutput {:?}\n{}",
        show(input),
        show(&out),
        report.to_text()
    );
    Ok(())
}

/// Inputs that may reach one of the known bugs below (each clause names its
/// test), so that the rest of the byte soup stays covered.
fn may_reach_known_bug(input: &[u8]) -> bool {
    let ats = count(input, b"@") + count(input, b"%40") + count(input, b"%2540");
    let colons = count(input, b":") + count(input, b"%3A") + count(input, b"%3a");
    find(input, b"://").is_some() // bug_url_credentials_with_other_findings_in_userinfo
        || find(input, b":0").is_some() // bug_embedded_ipv4_with_leading_zero
        || find(input, b"4111111111111111").is_some() // bug_card_numbers_missed
        || find(input, b";").is_some() // bug_rewrites_create_new_findings (path parameters)
        || ats >= 2 // bug_rewrites_create_new_findings (emails)
        || (ats >= 1 && colons >= 5) // bug_rewrites_create_new_findings (MAC)
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary bytes: no panic, the `\n` count kept, nothing found after.
    #[test]
    fn arbitrary_bytes_fail_closed(input in vec(any::<u8>(), 0..400)) {
        fails_closed(&input)?;
    }

    /// The same for bytes built from the scanner's trigger tokens, which reach
    /// the address, email, MAC, card and parameter rules far more often.
    #[test]
    fn log_like_bytes_fail_closed(input in log_soup()) {
        fails_closed(&input)?;
    }

    /// As above, passing over inputs that may reach a known bug.
    #[test]
    fn log_like_bytes_fail_closed_outside_known_bugs(input in log_soup()) {
        if !may_reach_known_bug(&input) {
            fails_closed(&input)?;
        }
    }

    #[test]
    fn arbitrary_bytes_anonymize_idempotently(input in vec(any::<u8>(), 0..400)) {
        idempotent(&input)?;
    }
}
