//! `loganon run --config FILE`: the nightly job ([`cron`]), its TOML
//! configuration ([`config`], every key documented in [`config_keys`]), and the totals of files read from disk
//! ([`totals`]). The job's parts: the record of done work ([`state`]), the
//! expansion of a set's globs ([`expand`]), one file step by step (`file`,
//! its age and fate by [`crate::commands::retention`]), the summaries
//! (`summaries`) and files known again under another name (`identify`).

pub mod config;
pub mod config_keys;
pub mod cron;
pub mod expand;
mod file;
mod identify;
mod key_retention;
pub mod state;
mod summaries;
pub mod totals;
