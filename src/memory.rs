//! Memory hints for large tables that are read at random: huge-page backing and prefetch.
//!
//! A lookup into a 32 MB weight table touches a different 4 KB page almost every time, so on
//! 4 KB pages most lookups also miss the TLB; on 2 MB pages the whole table needs 16 TLB
//! entries. Linux gives huge pages to anonymous memory that asks for them (`madvise`), which
//! is the default policy (`transparent_hugepage=madvise`). Measured in BENCHMARKS.md.

/// Size of a transparent huge page on x86_64 and aarch64 Linux.
const HUGE_PAGE: usize = 2 << 20;

/// A copy of `items` in a fresh allocation whose whole 2 MB pages are backed by huge pages
/// where the OS allows it. Elsewhere, or when refused, it is an ordinary copy.
pub(crate) fn copy_to_huge_pages<T: Copy>(items: &[T]) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(items.len());
    // Advised before the first write, so the pages are faulted in huge.
    advise(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(items));
    v.extend_from_slice(items);
    v
}

/// Deserializes a `Vec` straight into [`copy_to_huge_pages`], for tables read at random
/// (`#[serde(deserialize_with = "crate::memory::deserialize_to_huge_pages")]`).
pub(crate) fn deserialize_to_huge_pages<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Copy + serde::Deserialize<'de>,
{
    Ok(copy_to_huge_pages(
        &<Vec<T> as serde::Deserialize>::deserialize(d)?,
    ))
}

/// Asks for huge pages on the whole 2 MB pages inside `len` bytes at `ptr`.
fn advise(ptr: *mut u8, len: usize) {
    let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
    let end = (ptr as usize).saturating_add(len) / HUGE_PAGE * HUGE_PAGE;
    if end <= start {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: the range lies inside an allocation the caller owns; MADV_HUGEPAGE only changes
    // how the kernel backs those pages, never their contents, and a refusal is harmless.
    unsafe {
        libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
    }
}

/// Asks the CPU to start loading `value` into cache, so that a read a little later finds it
/// there. Only a hint: it never changes a result. The standard library has no stable prefetch
/// and no crate we use offers one; this is the one instruction, a no-op elsewhere than x86_64.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is part of SSE, which every x86_64 CPU has; it is a hint that reads
    // nothing architecturally and cannot fault, and `value` is a valid reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_exact_whatever_the_size() {
        for n in [0usize, 1, 1000, (5 << 20) + 3] {
            let items: Vec<u32> = (0..n as u32).collect();
            assert_eq!(copy_to_huge_pages(&items), items);
        }
    }
}
