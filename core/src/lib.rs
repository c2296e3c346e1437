//! logsleuth's scanning core: log bytes to records, and routine records to runs.
//! The Python binding (feature `python`) is in python.rs.

pub mod ahead;
pub mod routine;
pub mod runs;
pub mod scan;
#[cfg(feature = "python")]
mod python;

/// See Cargo.toml: frees across threads without a lock.
#[cfg(feature = "python")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
