pub mod config;
pub mod cron;
