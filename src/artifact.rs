//! The on-disk container for trained models: versioned, checksummed, compressed.
//!
//! Layout: magic (8 bytes) · format version (u32 LE) · payload length (u64 LE) ·
//! SHA-256 of the payload (32 bytes) · payload = zstd(bincode(value)). Every way a file can be
//! wrong (not ours, other version, truncated, corrupted) is a distinct, readable error.

use std::path::Path;

use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"NSVCMODL";
/// Bump when the serialized structures change incompatibly.
pub const FORMAT_VERSION: u32 = 2;
const HEADER: usize = 8 + 4 + 8 + 32;

#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} is not a notice-svc model file (bad magic bytes)")]
    NotAModel(String),
    #[error("{path} has model format version {found}, this build reads version {FORMAT_VERSION}: retrain it with this version's `train`")]
    Version { path: String, found: u32 },
    #[error("{0} is truncated: the header announces more bytes than the file has")]
    Truncated(String),
    #[error("{0} is corrupt: its checksum does not match its contents")]
    Checksum(String),
    #[error("{path} could not be decoded ({reason}): if an older notice-svc wrote it, retrain it with this version's `train` or `train-entities`")]
    Decode { path: String, reason: String },
    #[error("encoding the model failed: {0}")]
    Encode(String),
}

/// zstd level 9: f32 weights barely compress past it (level 19 saves ~1 % and takes 8–18×
/// longer, 24 s on the entity model).
const COMPRESSION_LEVEL: i32 = 9;

/// Hex SHA-256 of `bytes`, as recorded in model cards.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Serializes `value` into a model file at `path`; returns the payload checksum (hex).
pub fn write<T: Serialize>(path: &Path, value: &T) -> Result<String, ArtifactError> {
    let raw = bincode::serde::encode_to_vec(value, bincode::config::standard())
        .map_err(|e| ArtifactError::Encode(e.to_string()))?;
    let payload = zstd::encode_all(raw.as_slice(), COMPRESSION_LEVEL)
        .map_err(|e| ArtifactError::Encode(e.to_string()))?;
    let digest = Sha256::digest(&payload);
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&digest);
    out.extend_from_slice(&payload);
    std::fs::write(path, out).map_err(|source| ArtifactError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(sha256_hex(&payload))
}

/// Reads a model file written by [`write`].
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<T, ArtifactError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ArtifactError::Io {
        path: name.clone(),
        source,
    })?;
    decode(&bytes, &name)
}

fn decode<T: DeserializeOwned>(bytes: &[u8], name: &str) -> Result<T, ArtifactError> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(ArtifactError::NotAModel(name.into()));
    }
    if bytes.len() < HEADER {
        return Err(ArtifactError::Truncated(name.into()));
    }
    let found = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if found != FORMAT_VERSION {
        return Err(ArtifactError::Version {
            path: name.into(),
            found,
        });
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[12..20]);
    let len = u64::from_le_bytes(len) as usize;
    let payload = &bytes[HEADER..];
    if payload.len() < len {
        return Err(ArtifactError::Truncated(name.into()));
    }
    let payload = &payload[..len];
    if Sha256::digest(payload).as_slice() != &bytes[20..52] {
        return Err(ArtifactError::Checksum(name.into()));
    }
    let decode_err = |reason: String| ArtifactError::Decode {
        path: name.into(),
        reason,
    };
    let raw = zstd::decode_all(payload).map_err(|e| decode_err(e.to_string()))?;
    let (value, _) = bincode::serde::decode_from_slice(&raw, bincode::config::standard())
        .map_err(|e| decode_err(e.to_string()))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_damage_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        write(&path, &vec![1.5f32, 2.5]).unwrap();
        let good = std::fs::read(&path).unwrap();
        assert_eq!(read::<Vec<f32>>(&path).unwrap(), vec![1.5, 2.5]);

        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"hello world, not a model".to_vec(), "bad magic"),
            (good[..30].to_vec(), "truncated"),
            (good[..good.len() - 1].to_vec(), "truncated"),
            (
                {
                    let mut b = good.clone();
                    b[8] = 99;
                    b
                },
                "format version 99",
            ),
            (
                {
                    let mut b = good.clone();
                    let n = b.len();
                    b[n - 1] ^= 0xff;
                    b
                },
                "checksum",
            ),
        ];
        for (bytes, want) in cases {
            std::fs::write(&path, &bytes).unwrap();
            let err = read::<Vec<f32>>(&path).unwrap_err().to_string();
            assert!(err.contains(want), "{err} should mention {want}");
        }
        assert!(read::<Vec<f32>>(&dir.path().join("missing")).is_err());
    }
}
