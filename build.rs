//! Compiles `proto/` with a pure-Rust compiler (no system `protoc`) and keeps the encoded
//! descriptor set so the server can offer reflection.

use prost::Message;
use std::{env, fs, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/notice/v1/notice.proto";
    println!("cargo:rerun-if-changed={proto}");
    let fds = protox::compile([proto], ["proto"])?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out.join("notice_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // Undecodable requests (invalid UTF-8…) are INVALID_ARGUMENT, not INTERNAL.
        .codec_path("crate::codec::NoticeCodec")
        .compile_fds(fds)?;
    Ok(())
}
