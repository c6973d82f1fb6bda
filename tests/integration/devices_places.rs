//! Issue 25, item 5: advertising and device ids by name and IMEIs by
//! shape; precise locations coarsened to two decimals (about 1 km) by
//! default, more or fewer kept, or dropped (`--location`). Each case states
//! the whole output; the independent `check` finds the identifier in the
//! input and nothing in the output.

use crate::common::bin::loganon;
use crate::common::found_then_clean;

#[test]
fn advertising_and_device_ids_by_name() {
    found_then_clean(
        "deny-listed-parameter",
        &[
            (
                "/t?ifa=6D92078A-8246-4BA4-AE5B-76104861E7DC&android_id=9774d56d682e549c&page=2",
                "/t?ifa=REDACTED&android_id=REDACTED&page=2",
            ),
            (
                "/t?oaid=a1b2c3&gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d",
                "/t?oaid=REDACTED&gps_adid=REDACTED",
            ),
            (
                "/t?x_device_id=42ab&advertisingId=77",
                "/t?x_device_id=REDACTED&advertisingId=REDACTED",
            ),
            (
                "/t?imei=352099001761481&meid=A10000009296F2",
                "/t?imei=REDACTED&meid=REDACTED",
            ),
        ],
    );
}

#[test]
fn imeis_by_shape() {
    found_then_clean(
        "device-id",
        &[
            ("phone 352099001761481 seen", "phone REDACTED seen"),
            ("/d/352099001761481/x", "/d/REDACTED/x"),
            (r#"{"dev":352099001761481}"#, r#"{"dev":"REDACTED"}"#),
        ],
    );
    // the Luhn check fails, a digit more, no reporting body: kept
    for same in ["a 352099001761482 b", "a 3520990017614810 b", "a 200000000000008 b"] {
        crate::fuzz_regressions::expect_checked("auto", same);
    }
}

#[test]
fn precise_locations_keep_two_decimals() {
    found_then_clean(
        "location",
        &[
            ("/m?lat=48.858844&lng=2.294351&z=12", "/m?lat=48.85&lng=2.29&z=12"),
            ("/m?ll=48.858844,2.294351", "/m?ll=48.85,2.29"),
            ("/m?ll=48.858844%2C-2.294351", "/m?ll=48.85%2C-2.29"),
            ("/m?geo=geo:-33.8688,151.2093", "/m?geo=geo:-33.86,151.20"),
            ("/m?pos.lat=12.3456&a[lng]=1.23456", "/m?pos.lat=12.34&a[lng]=1.23"),
            (
                r#"{"lat":48.858844,"lng":-2.294351,"geo":{"lat":1.234567},"ll":"48.858844,2.294351"}"#,
                r#"{"lat":48.85,"lng":-2.29,"geo":{"lat":1.23},"ll":"48.85,2.29"}"#,
            ),
        ],
    );
    // no list of numbers, yet more digits after a separator than kept:
    // the whole value goes; a quoted value is coarsened inside its quotes
    crate::common::cases_checked(
        &loganon::Engine::default(),
        None,
        &[
            ("/m?lat=%2048.858844&x=1", "/m?lat=REDACTED&x=1"),
            ("/m?ll=48,858844", "/m?ll=REDACTED"),
            // (a JSON number dropped whole becomes a string)
            (r#"{"lat":4.8858844e1}"#, r#"{"lat":"REDACTED"}"#),
            (r#"/m?lng="2.294351" x"#, r#"/m?lng="2.29" x"#),
        ],
    );
    // `"name":value` pairs outside a JSON line: a request body escaped
    // in a CLF field, a message, JSON in a query value
    found_then_clean(
        "location",
        &[
            (
                r#"1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] "POST /x HTTP/1.1" 200 1 "-" "curl" "{\x22lat\x22:48.858844,\x22lng\x22:2.294351}""#,
                r#"1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] "POST /x HTTP/1.1" 200 1 "-" "curl" "{\x22lat\x22:48.85,\x22lng\x22:2.29}""#,
            ),
            (r#"msg "ll" : "48.858844,2.294351" x"#, r#"msg "ll" : "48.85,2.29" x"#),
            ("/?data=%7B%22lat%22%3A48.858844%7D", "/?data=%7B%22lat%22%3A48.85%7D"),
        ],
    );
    // coordinates after the one a value's reader stops at (a space, a
    // `;`, a number after `"name":` outside JSON) or in a string left open
    // (`crash-f6d22451`, `crash-07f5d240`): each coarsened
    found_then_clean(
        "location",
        &[
            ("/m?ll=48.858844 2.294351", "/m?ll=48.85 2.29"),
            ("geo=48.858844;2.294351 x=1", "geo=48.85;2.29 x=1"),
            ("latlng=48.858844, -2.294351", "latlng=48.85, -2.29"),
            (r#"x "ll":48.858844,2.294351 y"#, r#"x "ll":48.85,2.29 y"#),
            (r#""ll":0 1.044"#, r#""ll":0 1.04"#),
            (r#""geo":"2.200"#, r#""geo":"2.20"#),
            ("lng=\"2.294351", "lng=\"2.29"),
        ],
    );
    // a JSON array of coordinates outside JSON, and a string left open
    // that holds no number first (`crash-3c4c06fd`, `crash-ddc98a68`:
    // `lng="[2.168` kept, a leak `check` saw): the numbers coarsened, or
    // the word redacted (no list, yet precise digits)
    found_then_clean(
        "location",
        &[
            (r#"x "ll":[48.858844,2.294351] y"#, r#"x "ll":[48.85,2.29] y"#),
            (r#"x "ll":"[48.858844 y"#, r#"x "ll":"REDACTED y"#),
            ("x lng=\"[2.168 y", "x lng=\"REDACTED y"),
        ],
    );
    // (`crash-c6b19370`: the word longer than the 64 bytes first read)
    let mut long = b"lng=\"@".to_vec();
    long.extend_from_slice(&[0xbd; 60]);
    long.extend_from_slice(b"0:00.000\n");
    crate::fuzz_regressions::expect(
        "squid",
        &[
            (b"lng=\"[2.168\n", b"lng=\"REDACTED\n"),
            (&long, b"lng=\"REDACTED\n"),
            // (`crash-4fa02499`: a number that the word goes on after)
            (b"lng=\"5\xb96.779\n", b"lng=\"REDACTED\n"),
            (b"x lng=\"5x6.779 y\n", b"x lng=\"REDACTED y\n"),
            (b"x lng=\"48.858844,2.294351 y\n", b"x lng=\"48.85,2.29 y\n"),
            // (`crash-1f5cdc9c`: a name that ends in a separator the name
            // rules fold away, `lon_`; before, the scanner looked only at
            // names ending like a location's)
            (b"lon_=1.265\n", b"lon_=1.26\n"),
            (b"x lat-=1.2654 lng.=2.33333 y\n", b"x lat-=1.26 lng.=2.33 y\n"),
            (
                b"x pos[lat]_=1.2654 LAT.-=1.2654 y\n",
                b"x pos[lat]_=1.26 LAT.-=1.26 y\n",
            ),
            (
                b"x \"lon_\":1.2345,\"x.lat.\":\"2.3456\" y\n",
                b"x \"lon_\":1.23,\"x.lat.\":\"2.34\" y\n",
            ),
        ],
    );
    // a number that a `:` continues is an IPv6 address's (`crash-df1f561b`)
    // (a decimal one before a `:` stays a location's: `crash-07f5d240`;
    // its string left open is read to its word's end: `crash-4fa02499`)
    crate::fuzz_regressions::expect(
        "json",
        &[
            (br#""geo":1::2"#.as_slice(), br#""geo":1::"#.as_slice()),
            (
                br#""geo":"1192.2001:d x"#.as_slice(),
                br#""geo":"REDACTED x"#.as_slice(),
            ),
        ],
    );
    // coarse already, other names, no list of numbers: kept
    for same in [
        "/m?lat=48.85&lng=2.29",
        "/m?latest=1.23456&x=48.858844",
        "/m?location=/home",
        "/m?lat=48.85 1234.5678",
        "/m?lat=48.85 HTTP/1.1",
    ] {
        crate::fuzz_regressions::expect_checked("auto", same);
    }
    // an address under a location name is an address
    crate::common::cases_checked(&loganon::Engine::default(), None, &[("/m?ll=1.2.3.4", "/m?ll=1.2.3.0")]);
}

#[test]
fn location_option_keeps_more_or_drops() {
    let input = "/m?lat=48.858844&ll=48.858844,2.294351\n{\"lng\":2.294351}\n";
    let run = |p: &str| loganon().args(["anonymize", "--location", p]).stdin(input).stdout();
    assert_eq!(run("4"), "/m?lat=48.8588&ll=48.8588,2.2943\n{\"lng\":2.2943}\n");
    assert_eq!(run("0"), "/m?lat=48&ll=48,2\n{\"lng\":2}\n");
    assert_eq!(run("keep"), input);
    assert_eq!(run("drop"), "/m?lat=REDACTED&ll=REDACTED\n{\"lng\":\"REDACTED\"}\n");
    // check holds the output to the same policy
    let check = |p: &str, text: &str| {
        loganon()
            .args(["check", "--location", p])
            .stdin(text)
            .output()
            .status
            .code()
    };
    assert_eq!(check("4", &run("4")), Some(0));
    assert_eq!(check("2", &run("4")), Some(1));
    assert_eq!(check("keep", input), Some(0));
    assert_eq!(check("drop", &run("drop")), Some(0));
}
