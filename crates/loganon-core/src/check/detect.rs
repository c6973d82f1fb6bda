//! The oracle's detectors in the order they run over a decoded line (the
//! order of a line's findings in the report): addresses, MACs, emails, the
//! identifier shapes found anywhere, address literals, URL credentials,
//! then parameters and what their values hold. Each family's detectors are
//! in its own file; this one only lists them.

use super::oracle::Oracle;

impl Oracle<'_> {
    /// What the detectors find anywhere in `t`, a line decoded fully.
    pub(super) fn text(&mut self, t: &[u8]) {
        // (what was read ahead holds for this text only)
        self.ahead = Default::default();
        let reverse = self.reverse_names(t);
        self.dashed_addresses(t);
        self.numeric_hosts(t);
        self.number_labels(t);
        self.dotted_addresses(t, &reverse);
        self.colon_runs(t);
        self.macs(t);
        self.emails(t);
        self.text_phones(t);
        self.shapes(t);
        self.literal_emails(t);
        self.url_credentials(t);
        self.bare_userinfo(t);
        self.quoted_params(t);
        self.json_params(t);
        self.location_params(t);
        // a value that is not a deny-listed name's: card numbers, an IBAN in
        // groups and a phone number in it
        self.params(t, |o, t, start, end| {
            o.value_cards(t, start, end);
            o.value_iban(t, start);
            o.value_phone(t, start, end - start);
        });
    }

    /// Identifier shapes found anywhere, whatever names them: JWTs,
    /// `Bearer`/`Basic` credentials, IBANs, Cisco and short MACs, Google
    /// Analytics ids, card numbers in paths and values.
    fn shapes(&mut self, t: &[u8]) {
        self.jwts(t);
        self.auth_credentials(t);
        self.ibans(t);
        self.short_macs(t);
        self.analytics_ids(t);
        self.imeis(t);
        self.card_runs(t);
    }
}

#[cfg(test)]
mod tests {
    use crate::check::oracle::Oracle;
    use crate::keyed::IpMode;
    use crate::rules::Rules;

    proptest::proptest! {
        /// What the detectors find in a line whose values run on over one
        /// another (spaces between digits) is what they find reading each
        /// value afresh: card numbers, IBANs and phone numbers, in order.
        #[test]
        fn values_read_ahead_find_what_is_there(picks in proptest::collection::vec(0usize..15, 0..300)) {
            let parts = [
                "a=", "4111 1111 1111 1111", "4111", " ", "1", "=1 2", "+4915112345678", "+", "1 2=",
                "DE89 3704 0044 0532 0130 00", "&", "5500+0000+0000+0004", "12345678", ";b=1 2/", "/",
            ];
            let t: Vec<u8> = picks.iter().flat_map(|&k| parts[k].bytes()).collect();
            let rules = Rules::default();
            let mut o = Oracle::new(&rules.addr, IpMode::Truncate, &rules.deny);
            o.text(&t);
            let mut fresh = Oracle::new(&rules.addr, IpMode::Truncate, &rules.deny);
            fresh.fresh = true;
            fresh.text(&t);
            proptest::prop_assert_eq!(o.found, fresh.found);
        }
    }
}
