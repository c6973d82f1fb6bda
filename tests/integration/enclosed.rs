//! An address inside a larger identifier that an `@` after it takes whole:
//! an email's quoted local part (`"1.2.3.4"@example.com`) or a URL's
//! userinfo (`//ip-1-2-3-4.example.net@host`). Truncating the address
//! alone left the rest of the local part or the userinfo; the identifier
//! now goes whole. Also identifiers in runs that read as something else:
//! an IBAN or an IMEI in a run of colons, a reverse label glued to an IPv6
//! address, a dashed address whose last number begins a dotted one, a line
//! cut short inside a JSON string. Exact
//! outputs, and `check` (same format) finds nothing in them (see
//! `fuzz_regressions::expect`).

use crate::fuzz_regressions::{expect, expect_checked};

/// `crash-76cd7712` (json), `crash-d19d456d` (alb): a quoted local part
/// holding a dashed address or `::` kept that address's email.
#[test]
fn an_address_in_a_quoted_local_part_goes_with_the_email() {
    expect("json", &[(b"\"4-2-3-5.d.e\"@y.AA\n", b"REDACTED\n")]);
    expect("alb", &[(b"\"::\"@y.om\n", b"REDACTED\n")]);
    expect(
        "auto",
        &[
            (b"x \"1.2.3.4 5.6.7.8\"@example.com y\n", b"x REDACTED y\n"),
            (b"x \"1.2.3.4 4111111111111111\"@x.com y\n", b"x REDACTED y\n"),
            (b"x \"ip-10-1-2-3.example.net\"@example.com y\n", b"x REDACTED y\n"),
            (
                b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 1 \"-\" \"1.2.3.4 x\"@example.com\n",
                b"1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 1 \"-\" REDACTED\n",
            ),
        ],
    );
    // quoted, before no `@`: an address
    expect("auto", &[(b"x \"1.2.3.4\" 200\n", b"x \"1.2.3.0\" 200\n")]);
}

/// `crash-7ff9ae82` (json): a dashed address in the userinfo of a
/// scheme-relative URL kept the userinfo; the userinfo goes, the host stays.
#[test]
fn an_address_in_a_userinfo_goes_with_it() {
    expect("json", &[(b"//g4-2-3-5.d.e@d\n", b"//d\n")]);
    expect(
        "auto",
        &[
            (b"GET //1.2.3.4:8080@evil.com/x\n", b"GET //evil.com/x\n"),
            (b"x http:ip-10-1-2-3.example.net@host/y z\n", b"x http:host/y z\n"),
            (b"//1.2.3.4:pw@host/x\n", b"//host/x\n"),
            // a userinfo that starts inside the address, after a scheme
            // that holds its first group, with more of a user after it
            // (`crash-59e97606`: its reader took `:rol@` once the address
            // was truncated)
            (b"[authdb8::1rol@e#x y\n", b"[authdb8:e#x y\n"),
            // an address read as a scheme and a user (`fe80:` and `:1`)
            // is no userinfo's: the address alone
            (b"x c\0fe80::1@h/ y\n", b"x c\0fe80::@h/ y\n"),
            // a local part that ends with the address, after a colon
            // (`crash-eb0f0395`, the Apache template)
            (b"x :1.2.3.4@e.ln y\n", b"x :REDACTED y\n"),
            (b"user:1.2.3.4@example.com\n", b"user:REDACTED\n"),
            // an `@` that takes nothing: the address alone
            (
                b"msg from ip-10-1-2-3.example.net@ y\n",
                b"msg from ip-10-1-2-0.example.net@ y\n",
            ),
        ],
    );
}

/// The fuzz targets' Apache template.
const APACHE: &str = r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" "%{Cookie}i""#;

/// `crash-7d9f9f1f` (the fuzz targets' Apache template): an IBAN in a run
/// of colons whose only reading as an IPv6 address is clean (`E::`) was
/// kept with that reading.
#[test]
fn an_iban_in_a_run_read_as_a_clean_address_goes() {
    expect(APACHE, &[(b":DE89370400440532013000:E::\n", b":REDACTED:E::\n")]);
    expect(
        "auto",
        &[
            (b"x :DE89370400440532013000:1::1 y\n", b"x :REDACTED:1:: y\n"),
            (b"x :E::DE89370400440532013000 y\n", b"x :e:: y\n"),
        ],
    );
    expect_checked("auto", "x :a:b:c:: y");
}

/// `crash-8a61473f` (auto): an IBAN in a run that ends in an IPv4 address
/// (`:DE89370400440532013000:1.2.3.1`) was kept: only the address was read.
/// A card number there already went first; an IBAN now does too.
#[test]
fn an_iban_before_an_ipv4_address_in_a_run_goes() {
    expect(
        "auto",
        &[
            (b":DE89370400440532013000:1.2.3.1\n", b":REDACTED:1.2.3.0\n"),
            (b"x :DE89370400440532013000.1.2.3.1 y\n", b"x :REDACTED.1.2.3.0 y\n"),
            (
                b"1.2.3.1:DE89370400440532013000:1.2.3.1\n",
                b"1.2.3.0:REDACTED:1.2.3.0\n",
            ),
        ],
    );
}

/// `crash-23dd615c` (alb), `crash-e40e53e9` (auto): one reverse label
/// glued to a hex digit of an IPv6 address (`9::1:f1.in-addr.arpa`) was
/// read as the reverse name, leaving the address; so were `ip6.arpa`
/// nibbles glued to a `:` after an IPv4 address.
#[test]
fn a_reverse_label_glued_to_a_hex_digit_is_the_address() {
    expect("alb", &[(b"9::1:f1.in-addr.arpa\n", b"9::.in-addr.arpa\n")]);
    // (and nibbles glued to a `:`: `crash-2b3d3f88`, w3c)
    expect(
        "auto",
        &[
            (b"4.3.2.5:2.ip6.arpa\n", b"4.3.2.0:2.ip6.arpa\n"),
            (b"x 4.3.2.5:2:7.ip6.arpa y\n", b"x 4.3.2.0:2:7.ip6.arpa y\n"),
        ],
    );
    expect(
        "auto",
        &[
            (b"8::3:f1.in-addr.arpa\n", b"8::.in-addr.arpa\n"),
            (b"x 4.3.2.1.in-addr.arpa y\n", b"x 0.3.2.1.in-addr.arpa y\n"),
        ],
    );
}

/// `crash-0b4c0746` (Apache template): an IMEI after a `:` is in a run of
/// hex digits and colons, whose digits are no trigger of their own.
#[test]
fn an_imei_after_a_colon_goes() {
    expect(APACHE, &[(b":011111111111110\n", b":REDACTED\n")]);
    expect("auto", &[(b"x :011111111111110 y\n", b"x :REDACTED y\n")]);
}

/// `crash-52117c3a` (squid): `1.2.3.4:412.8.in-addr.arpa`, an address in
/// the run before a reverse name: the name was read, and what came before
/// it in the run skipped. Those addresses go first now, in any form.
#[test]
fn an_address_before_a_reverse_name_in_its_run_is_read() {
    expect(
        "squid",
        &[(b"1.2.3.4:412.8.in-addr.arpa\n", b"1.2.3.0:412.8.in-addr.arpa\n")],
    );
    expect(
        "auto",
        &[
            (
                b"x 1.2.3.4:4.3.2.1.in-addr.arpa y\n",
                b"x 1.2.3.0:0.3.2.1.in-addr.arpa y\n",
            ),
            (
                b"x 2001:db8::1:4.3.2.1.in-addr.arpa y\n",
                b"x 2001:db8:::0.3.2.1.in-addr.arpa y\n",
            ),
            (
                b"x 1.2.3.4:b.a.9.8.7.6.5.4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa y\n",
                b"x 1.2.3.0:0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa y\n",
            ),
            (b"x 5.3.12.84.in-addr.arpa y\n", b"x 0.3.12.84.in-addr.arpa y\n"),
        ],
    );
}

/// `crash-4bcc1295` (json): `"ip":\0" "`, a quote after a control byte
/// after `"name":` opens a value, as `check` reads it; it closed the
/// decoded field before the value, which was kept. `crash-502b04c1` (the
/// Apache template): `/\u@\` and a NUL, a userinfo before what may decode
/// into a host: it goes (fail closed).
#[test]
fn values_and_userinfo_behind_control_bytes_go() {
    expect(
        "json",
        &[
            (b"\"ip\":\x00\" \"\n", b"\"ip\":\x00\"REDACTED\"\n"),
            (b"a \"token\":\x00\" x\" b\n", b"a \"token\":\x00\"REDACTED\" b\n"),
        ],
    );
    expect(APACHE, &[(b"x /\\u@\\\x00\\\\09 y\n", b"x /\\\\\x00\\\\09 y\n")]);
}

/// `crash-9a03647e` (auto): `4004405320130\`, a NUL, `\\020`. `check`
/// removes the NUL, pairs the two backslashes after it, and reads `\0` as a
/// NUL the next round: the digits join into a card number. The decoder
/// read the NUL as standing for the backslash after it and paired the
/// escapes otherwise; a control byte before an escape's first byte now
/// stands for nothing.
#[test]
fn escapes_around_a_control_byte_pair_as_check_pairs_them() {
    expect(
        "auto",
        &[
            (b"x 4004405320130\\\x00\\\\020 y\n", b"x REDACTED y\n"),
            (b"x jdoe\x00%40example.com y\n", b"x REDACTED y\n"),
        ],
    );
}

/// `crash-aff8dc6d` (auto): `dsl-84-12-3-51.2.3.4`, a dashed address whose
/// last number begins a dotted one: the dotted one goes with it.
#[test]
fn a_dotted_address_begun_by_a_dashed_ones_last_number_goes_with_it() {
    expect(
        "auto",
        &[
            (b"4-1-3-5.2.3.4\n", b"4-1-3-0\n"),
            (b"x dsl-84-12-3-51.2.3.4 y\n", b"x dsl-84-12-3-0 y\n"),
            (
                b"x dsl-84-12-3-5.dyn.example.net y\n",
                b"x dsl-84-12-3-0.dyn.example.net y\n",
            ),
        ],
    );
}

/// `crash-36141d70` (squid): `l-4-2-3-5::1`, a dashed address whose last
/// number begins an IPv6 address: once the dashed one was truncated,
/// `0::1` was an address with host bits. The IPv6 one goes with it; a port
/// or a time after the dashed address stays.
#[test]
fn an_ipv6_address_begun_by_a_dashed_ones_last_number_goes_with_it() {
    expect("squid", &[(b"l-4-2-3-5::1\n", b"l-4-2-3-0\n")]);
    expect(
        "auto",
        &[
            (b"x ip-4-2-3-5::1 y\n", b"x ip-4-2-3-0 y\n"),
            (b"x ip-10-1-2-3:1:2:3:4:5:6:7 y\n", b"x ip-10-1-2-0 y\n"),
            (b"x ip-10-1-2-3:8080 y\n", b"x ip-10-1-2-0:8080 y\n"),
            (b"x ip-10-1-2-3:12:30:00 y\n", b"x ip-10-1-2-0:12:30:00 y\n"),
        ],
    );
}

/// `crash-6027a675` (json): a JSON string holding a line cut short after
/// a quoted user (`1.2.3.4 - \"bob`), with no `{` or `[` in it, was scanned
/// as text and kept the user; any escaped quote now has the string read as
/// a line, as `check` reads it.
#[test]
fn a_line_cut_after_its_user_in_a_json_string_loses_the_user() {
    expect(
        "json",
        &[
            (
                br#"{"a":"1.2.3.4 - \"bob"}"#.as_slice(),
                br#"{"a":"1.2.3.0 - -"}"#.as_slice(),
            ),
            (br#"{"1.2.3.4 - \u0022"}"#.as_slice(), br#"{"1.2.3.0 - -"}"#.as_slice()),
            (br#"{"a":"::1 - \"bob"}"#.as_slice(), br#"{"a":":: - -"}"#.as_slice()),
        ],
    );
    expect_checked("json", r#"{"ua":"say \"hi\" to Mozilla/5.0"}"#);
}

/// `crash-c406199e` (the fuzz targets' nginx template): a line the template
/// does not take (a `2` where it writes `-`) was read by detection as a
/// combined line; once its ident and user were blanked the template took
/// it, and its `$arg_token` column went only on a second pass. Such a line
/// is now read again until nothing changes.
#[test]
fn a_line_the_given_format_takes_once_rewritten_is_read_again() {
    let nginx = r#"nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $arg_token "$http_x_forwarded_for""#;
    expect(
        nginx,
        &[
            (
                b"1 2 l [1/] \"\" 0 5 \"\" \"\" c \"\"\n",
                b"1 - - [1/] \"\" 0 5 \"\" \"\" REDACTED \"\"\n",
            ),
            (
                b"1.2.3.4 2 carol [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl\" abc \"-\"\n",
                b"1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl\" REDACTED \"-\"\n",
            ),
        ],
    );
}
