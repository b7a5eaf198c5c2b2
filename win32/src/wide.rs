//! UTF-16 strings for the `W` calls: to a NUL-terminated buffer, and back from a NUL-terminated pointer.

use std::io;

/// `text` as UTF-16 with a closing NUL; an embedded NUL is refused (it would cut the name short).
pub(crate) fn to_wide(text: &str) -> io::Result<Vec<u16>> {
    if text.contains('\0') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a NUL inside a name",
        ));
    }
    Ok(text.encode_utf16().chain(std::iter::once(0)).collect())
}

/// Reads a NUL-terminated UTF-16 string; a null pointer is the empty string.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated UTF-16 string that stays alive for the call.
pub(crate) unsafe fn from_wide_ptr(ptr: *const u16) -> String {
    if ptr.is_null() {
        return String::new();
    }
    let mut len = 0;
    // SAFETY: the caller promises a NUL-terminated string, so every index up to the NUL is readable.
    while unsafe { *ptr.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` units before the NUL were just read one by one.
    let units = unsafe { std::slice::from_raw_parts(ptr, len) };
    String::from_utf16_lossy(units)
}

/// A buffer of `u64`s big enough for `bytes` bytes: the SCM's variable-size answers need 8-byte alignment.
pub(crate) fn aligned_buffer(bytes: u32) -> Vec<u64> {
    vec![0u64; (bytes as usize).div_ceil(8).max(1)]
}
