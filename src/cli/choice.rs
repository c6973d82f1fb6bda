//! The value parser of the options that name one of an enum's values
//! (`--ip-mode`, `--on-unparsed`, ...). The names are the enum's serde
//! names (its `rename_all`), the ones the config file reads too, so the
//! command line and the file accept the same spellings from one list; the
//! core's enums derive `Deserialize` and know nothing of clap. clap's
//! `PossibleValuesParser` lists them in `--help` and in the error for an
//! unknown value.

use std::fmt;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

/// Parses an option's value into `T`, one of `T`'s serde names.
pub fn choice<T>() -> impl TypedValueParser<Value = T>
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names::<T>().iter().copied()).try_map(|s| {
        let d: de::value::StrDeserializer<'_, de::value::Error> = s.as_str().into_deserializer();
        T::deserialize(d).map_err(|e| e.to_string())
    })
}

/// The names (and aliases) serde accepts for the unit variants of `T`: the
/// list its derived `Deserialize` hands to `deserialize_enum`.
pub fn names<T: DeserializeOwned>() -> &'static [&'static str] {
    match T::deserialize(Variants) {
        Err(Found(names)) => names,
        Ok(_) => &[],
    }
}

/// A deserializer that holds no value: asked for an enum, it answers with
/// the enum's variant names (as its error); asked for anything else, with none.
struct Variants;

#[derive(Debug)]
struct Found(&'static [&'static str]);

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "variants {:?}", self.0)
    }
}

impl std::error::Error for Found {}

impl de::Error for Found {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Found(&[])
    }
}

impl<'de> de::Deserializer<'de> for Variants {
    type Error = Found;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        Err(Found(&[]))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Found> {
        Err(Found(variants))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::retention::AgeFrom;
    use crate::engine::OnUnparsed;
    use crate::keyed::{Identifiers, IpMode, Rotate};

    #[test]
    fn the_names_are_the_spellings_accepted_before() {
        assert_eq!(
            names::<IpMode>(),
            [
                "truncate",
                "hash",
                "cryptopan",
                "ipcrypt-pfx",
                "ipcrypt-deterministic",
                "ipcrypt-nd",
                "ipcrypt-ndx",
                "drop"
            ]
        );
        assert_eq!(names::<Identifiers>(), ["redact", "hash"]);
        assert_eq!(names::<Rotate>(), ["daily", "never"]);
        assert_eq!(names::<OnUnparsed>(), ["scrub", "drop", "fail"]);
        assert_eq!(names::<AgeFrom>(), ["mtime", "name"]);
        // not an enum: no names
        assert!(names::<String>().is_empty());
    }

    #[test]
    fn each_name_parses_to_its_value() {
        let cmd = clap::Command::new("t");
        let arg = clap::Arg::new("m");
        let p = choice::<IpMode>();
        for (s, want) in [
            ("truncate", IpMode::Truncate),
            ("hash", IpMode::Hash),
            ("cryptopan", IpMode::CryptoPan),
            ("ipcrypt-pfx", IpMode::IpcryptPfx),
            ("drop", IpMode::Drop),
            ("ipcrypt-deterministic", IpMode::IpcryptDeterministic),
            ("ipcrypt-nd", IpMode::IpcryptNd),
            ("ipcrypt-ndx", IpMode::IpcryptNdx),
        ] {
            assert_eq!(p.parse_ref(&cmd, Some(&arg), s.as_ref()).unwrap(), want);
        }
        for bad in ["Hash", "crypto-pan", "", "truncate "] {
            assert!(p.parse_ref(&cmd, Some(&arg), bad.as_ref()).is_err(), "{bad:?}");
        }
    }
}

/// The parser of `--format`: any value [`Format::from_name`] takes (a name,
/// an Apache `LogFormat` string, `nginx:LOG_FORMAT`), with the format names
/// as its possible values, so shell completions offer them (not file names).
#[derive(Clone)]
pub struct FormatParser;

impl TypedValueParser for FormatParser {
    type Value = crate::formats::Format;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let text = value
            .to_str()
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidUtf8).with_cmd(cmd))?;
        crate::formats::Format::from_name(text).map_err(|e| {
            let name = arg.map_or_else(|| "--format".to_string(), |a| format!("--{}", a.get_id()));
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value '{text}' for '{name} <F>': {e}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            crate::formats::registry::names()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}
