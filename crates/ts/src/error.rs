//! Why bytes are not a valid TS packet or PSI section.

/// A TS packet or PSI section that cannot be read; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet does not start with the sync byte 0x47.
    #[error("lost TS sync: first byte {0:#04x}, expected 0x47")]
    Sync(u8),
    /// Fewer bytes than a TS packet (188) or than a section announces.
    #[error("truncated: {needed} bytes needed, {actual} present")]
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        actual: usize,
    },
    /// The adaptation field length runs past the packet.
    #[error("adaptation field length {0} exceeds the packet")]
    AdaptationLength(u8),
    /// A PSI section is malformed (wrong table id, no section syntax, bad length).
    #[error("invalid PSI section: {0}")]
    Section(&'static str),
    /// A PSI section's CRC32/MPEG-2 does not match its contents.
    #[error("PSI section CRC mismatch: computed {computed:#010x}, carried {carried:#010x}")]
    Crc {
        /// CRC over the section.
        computed: u32,
        /// CRC in the section's last four bytes.
        carried: u32,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
