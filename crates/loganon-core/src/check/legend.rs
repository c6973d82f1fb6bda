//! What each of `check`'s rules finds, in words: the legend of its report
//! (text, JSON and HTML). A test reads the detectors' sources and fails
//! when a rule they report has no line here.

/// Each rule's name and what it finds.
pub const LEGEND: &[(&str, &str)] = &[
    ("analytics-id", "a Google Analytics client id (_ga, cid): one browser"),
    ("auth-credentials", "a Bearer or Basic credential"),
    ("card-number", "a payment card number (Luhn-valid), whole or grouped"),
    (
        "client-hostname",
        "a client host name with more labels than the anonymizer keeps",
    ),
    (
        "deny-listed-parameter",
        "a value under a deny-listed name (token, email, session, password...)",
    ),
    (
        "device-id",
        "a device or advertising id (IMEI, idfa, gaid, android_id...)",
    ),
    ("email", "an email address"),
    ("iban", "an IBAN (bank account)"),
    (
        "in-addr-arpa",
        "an IPv4 address written reversed (in-addr.arpa) with host bits",
    ),
    ("ip6-arpa", "an IPv6 address written as ip6.arpa nibbles with host bits"),
    ("ipv4", "an IPv4 address with host bits past the kept prefix"),
    ("ipv6", "an IPv6 address with host bits past the kept prefix"),
    ("jwt", "a JSON Web Token"),
    ("location", "a precise location (more decimals than kept)"),
    ("mac", "a MAC address"),
    ("phone", "a phone number"),
    (
        "secret-field",
        "a field whose role is a secret (cookie, authorization) not removed",
    ),
    ("url-credentials", "a user name or password in a URL (user:pw@host)"),
    ("user-field", "a user name field that is not - or a pseudonym"),
];

/// What `rule` finds (empty for a name without a line).
pub fn legend(rule: &str) -> &'static str {
    LEGEND.iter().find(|(r, _)| *r == rule).map_or("", |(_, what)| what)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule name the detectors report (`("name", masked)`) has a line.
    #[test]
    fn every_rule_reported_has_a_legend() {
        let sources = [
            include_str!("addresses.rs"),
            include_str!("contact.rs"),
            include_str!("credentials.rs"),
            include_str!("devices.rs"),
            include_str!("location.rs"),
            include_str!("mod.rs"),
            include_str!("oracle.rs"),
            include_str!("params.rs"),
            include_str!("payment.rs"),
        ];
        let mut names = Vec::new();
        for s in sources {
            for part in s.split("((\"").skip(1).chain(s.split("push((\"").skip(1)) {
                if let Some(name) = part.split('"').next() {
                    if !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    {
                        names.push(name.to_string());
                    }
                }
            }
        }
        assert!(names.len() > 10, "{names:?}");
        for n in names {
            assert!(!legend(&n).is_empty(), "rule {n} has no legend");
        }
        let mut sorted: Vec<&str> = LEGEND.iter().map(|(r, _)| *r).collect();
        sorted.sort_unstable();
        assert_eq!(sorted, LEGEND.iter().map(|(r, _)| *r).collect::<Vec<_>>(), "in order");
    }
}
