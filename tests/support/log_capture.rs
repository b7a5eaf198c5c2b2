//! Every log line the tests' process writes, kept in memory (a global `tracing` subscriber installed
//! on first use, at debug for smartmon and info for the rest), so a test can check that a secret
//! never reaches the logs.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn buffer() -> &'static Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,smartmon=debug"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .try_init();
        buffer
    })
}

/// Starts capturing (idempotent); call before the code whose logs matter runs.
pub fn start() {
    buffer();
}

/// Everything logged since capturing started, by every test in this process.
pub fn captured() -> String {
    String::from_utf8_lossy(&buffer().0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}
