pub mod batch;
pub mod listen;
pub mod purge;
pub mod run;
