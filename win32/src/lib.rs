//! Safe wrappers over the Win32 calls smartmon's Windows agent needs and that `sysinfo` cannot serve under
//! every Windows (CPU times, fixed drives) or does not offer (the Service Control Manager). Empty on
//! other targets. Every `unsafe` block of the project lives here, each with its `SAFETY:` reasoning.

#[cfg(windows)]
pub mod host;
#[cfg(windows)]
pub mod scm;
#[cfg(windows)]
mod wide;
