//! What the scanner reports: the [`Kind`] of an identifier, the [`Sink`]
//! that findings go to, and the [`V4Form`] an IPv4 address found inside a
//! name or a URL host is spelled in. The scanner's entry re-exports them
//! (`crate::scan::{Kind, Sink, V4Form}`).

/// What kind of identifier a span holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An email address.
    Email,
    /// A MAC address.
    Mac,
    /// the value of a deny-listed `name=value` pair
    Param,
    /// a `;name=value` path parameter of a deny-listed name (removed whole)
    PathParam,
    /// `user:pass@` of a URL (removed whole)
    UrlCredentials,
    /// a card number: a valid issuer prefix (IIN) and the Luhn check
    Card,
    /// the ident or user field of a Common Log Format line
    UserField,
    /// a JSON Web Token (`eyJ...` `.` `...` `.` `...`)
    Jwt,
    /// the credentials after `Bearer ` or `Basic ` (the scheme stays)
    AuthCredentials,
    /// an IBAN (its country's length, mod-97 checked)
    Iban,
    /// an E.164 phone number (`+` and 8 to 15 digits)
    Phone,
    /// a Google Analytics client or session id (`GA1.2.NNN.NNN`, `GS1.1...`)
    AnalyticsId,
    /// a device id by its shape: an IMEI (15 digits, a reporting body's
    /// prefix and the Luhn check)
    DeviceId,
    /// the decimals of a precise location beyond those kept, or the whole
    /// value (`--location drop`)
    Location,
}

impl Kind {
    /// The kind's name in counts and messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Mac => "mac",
            Kind::Param => "deny-listed-parameter",
            Kind::PathParam => "path-parameter",
            Kind::UrlCredentials => "url-credentials",
            Kind::Card => "card-number",
            Kind::UserField => "user-field",
            Kind::Jwt => "jwt",
            Kind::AuthCredentials => "auth-credentials",
            Kind::Iban => "iban",
            Kind::Phone => "phone",
            Kind::AnalyticsId => "analytics-id",
            Kind::DeviceId => "device-id",
            Kind::Location => "location",
        }
    }
}

/// Receives what the scanner finds. Spans are byte offsets into the line,
/// strictly increasing and non-overlapping. An address found behind
/// escapes comes with `sep`: how its separators (`.` for IPv4, `:` for
/// IPv6) are spelled in the source (`%2E`, `\u002e`, `%253A`), so its
/// replacement can be spelled the same way.
pub trait Sink {
    /// An IPv4 address at `start..end`.
    fn ipv4(&mut self, start: usize, end: usize, addr: u32, sep: Option<&[u8]>);
    /// An IPv6 address at `start..end`; a zone id (`%eth0`) follows until
    /// `zone_end` (equal to `end` when there is none).
    fn ipv6(&mut self, start: usize, end: usize, addr: u128, sep: Option<&[u8]>, zone_end: usize);
    /// An IPv4 address at `start..end` spelled otherwise than as a dotted
    /// quad (see [`V4Form`]); its replacement is spelled the same way, with
    /// the separators (`-` of a dashed one, `.` of a reverse name) spelled
    /// `sep` when they were escaped.
    fn ipv4_form(&mut self, start: usize, end: usize, addr: u32, form: V4Form, sep: Option<&[u8]>);
    /// The nibbles of an `ip6.arpa` name at `start..end` (`nibbles` of
    /// them, least significant first, `upper` when its letters are upper
    /// case): the address, or the prefix padded with zeros when there are
    /// fewer than 32.
    fn ip6_nibbles(&mut self, start: usize, end: usize, addr: u128, nibbles: u8, upper: bool, sep: Option<&[u8]>);
    /// An identifier at `start..end` to be replaced by `REDACTED`.
    fn redact(&mut self, start: usize, end: usize, kind: Kind);
    /// An identifier at `start..end` to be removed.
    fn remove(&mut self, start: usize, end: usize, kind: Kind);
    /// A deny-listed name's quoted value that the span in hand does not
    /// close (`"remote_user":"bob` at the end of a column): its string may
    /// run on past the span, where a reader of the whole line (and `check`)
    /// reads it to its closing quote. The value up to the span's end was
    /// reported; a rewriter reads the whole line again.
    fn open_value(&mut self) {}
}

/// How an IPv4 address found inside a name or a URL host is spelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V4Form {
    /// four decimal octets joined by `-` inside a host name
    /// (`dsl-84-12-3-5.dyn.example.net`)
    Dashed,
    /// the labels of an `in-addr.arpa` name, most significant last
    /// (`5.3.12.84.in-addr.arpa`); `labels` (1 to 4) of them, the address
    /// padded with zeros when there are fewer than four
    Reversed {
        /// how many labels, 1 to 4
        labels: u8,
    },
    /// a URL host written as one decimal number (`http://3325256781/`)
    Decimal,
    /// the hex digits of a URL host written `0x...` (`http://0xc633644d/`):
    /// `digits` of them, upper case or not
    Hex {
        /// how many hex digits
        digits: u8,
        /// whether they are upper case
        upper: bool,
    },
}
