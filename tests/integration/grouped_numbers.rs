//! Issue 25, item 4: card numbers grouped by spaces or dashes and phone
//! numbers in international form grouped by spaces, `-`, dots or
//! parentheses, in free text, JSON values and query values; national forms
//! in values whose name says phone, tel, mobile or contact. Each case states
//! the whole output; the independent `check` finds the number in the input
//! and nothing in the output.

use crate::common::found_then_clean;

#[test]
fn grouped_card_numbers_anywhere() {
    found_then_clean(
        "card-number",
        &[
            ("my card 4111 1111 1111 1111 thanks", "my card REDACTED thanks"),
            (r#"{"note":"4111 1111 1111 1111"}"#, r#"{"note":"REDACTED"}"#),
            ("amex 3782 822463 10005 x", "amex REDACTED x"),
            ("/pay?note=4111%201111%201111%201111", "/pay?note=REDACTED"),
            ("x 5555-5555-5555-4444 y", "x REDACTED y"),
            // a first group longer than five digits, after a `+` glued to a
            // word (fuzz `crash-d62d285a`: the dash's reader looked five
            // digits back, and no other reader took it)
            (r#"ab".net dsl+30000026-010110"#, r#"ab".net dsl+REDACTED"#),
            ("x 30000026-010110 y", "x REDACTED y"),
        ],
    );
    // every place of the number against the scanner's 16-byte blocks
    for pad in 0..40 {
        let p = "a".repeat(pad);
        // (a Visa number in groups of four, an American Express one 4-6-5)
        for card in ["4111 1111 1111 1111", "3782 822463 10005"] {
            let input = format!("{p} \"{card}\" x");
            let want = format!("{p} \"REDACTED\" x");
            found_then_clean("card-number", &[(&input, &want)]);
        }
    }
    // no issuer or no Luhn: kept
    crate::fuzz_regressions::expect_checked("auto", "x 2026 1234 5678 9999 1111 y 4111 1111 1111 1112");
}

#[test]
fn phone_numbers_in_international_form_anywhere() {
    found_then_clean(
        "phone",
        &[
            ("call +49 151 12345678 now", "call REDACTED now"),
            ("call +1 (415) 555-2671 now", "call REDACTED now"),
            ("call +44 (0)20 7946 0958.", "call REDACTED."),
            ("x +33.1.23.45.67.89 y", "x REDACTED y"),
            ("x +4915112345678, y", "x REDACTED, y"),
            (r#"{"msg":"ring +49 151 12345678"}"#, r#"{"msg":"ring REDACTED"}"#),
        ],
    );
    for pad in 0..20 {
        let p = "a".repeat(pad);
        let input = format!("{p} +49 151 12345678");
        let want = format!("{p} REDACTED");
        found_then_clean("phone", &[(&input, &want)]);
    }
    // time zones, versions, a `+` glued to a word, too few digits: kept
    crate::fuzz_regressions::expect_checked(
        "auto",
        r#"1.2.3.0 - - [10/Oct/2000:13:55:36 +0200] "GET /a HTTP/1.1" 200 5 "-" "Mozilla/5.0+(Windows+NT+10.0;+Win64) +1.2.3"#,
    );
}

#[test]
fn national_phone_numbers_under_their_names() {
    found_then_clean(
        "deny-listed-parameter",
        &[
            ("/p?tel=(030)%20123456&b=1", "/p?tel=REDACTED&b=1"),
            (
                "/p?contact=030-123456&work_phone=030.123.456",
                "/p?contact=REDACTED&work_phone=REDACTED",
            ),
            (
                "/p?mobile=0151%2012345678&fax=030%201234",
                "/p?mobile=REDACTED&fax=REDACTED",
            ),
        ],
    );
}
