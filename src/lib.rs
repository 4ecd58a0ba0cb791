//! notice-svc: classifies Chinese official notices and extracts their entities.
//!
//! Layers, each calling only the ones below it: `server` and `cli` (transport) → `engine` →
//! `classify`, `entities` → `text`.

pub mod artifact;
pub mod classify;
pub mod cli;
mod codec;
pub mod engine;
pub mod entities;
mod memory;
pub mod server;
pub mod text;

/// Types generated from `proto/notice/v1/notice.proto`.
pub mod proto {
    tonic::include_proto!("notice.v1");
    /// Encoded descriptor set of the proto, served by reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("notice_descriptor");
}
