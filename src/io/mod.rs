pub mod chunks;
pub mod codec;
pub mod handles;
pub mod input;
pub mod names;
pub mod pipeline;
pub mod tempfiles;
