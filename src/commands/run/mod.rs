//! `loganon run --config FILE`: the nightly job ([`cron`]), its TOML
//! configuration ([`config`]), and the totals of files read from disk
//! ([`totals`]).

pub mod config;
pub mod cron;
pub mod totals;
