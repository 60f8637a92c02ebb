//! What `std` gives a wasm32-wasip2 component and this `no_std` one brings
//! itself: an allocator, a panic handler and the canonical ABI's
//! `cabi_realloc`. (`memcmp` comes from wasi-libc; see `build.rs`.)
//!
//! Why bother: `std` on wasip2 makes every component import `wasi:cli/*` and
//! `wasi:io/*` (panic messages go to stderr), and a plug that imports them
//! cannot be composed where host access is denied (Spin dependencies). Without
//! `std` the component imports nothing at all. The same shim as the policy
//! component's (`components/policy/src/runtime.rs`); a third pure plug should
//! move it into a shared crate.

#![expect(
    unsafe_code,
    reason = "the allocator hook of the component ABI is an unsafe extern fn by definition"
)]

use alloc::alloc::{Layout, alloc, realloc};
use core::arch::wasm32::unreachable;

/// dlmalloc, the allocator `std` itself uses on wasm, over `memory.grow`.
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// A panic (a bug: the crates do not panic on input) traps the call; the
/// host turns the trap into an error for this request only.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    unreachable()
}

/// The canonical ABI's allocator: the host calls it to place arguments
/// (strings, lists) in this component's memory. Same contract as the one
/// `std` and `wit-bindgen` provide: `old_len == 0` allocates, otherwise
/// reallocates; a zero-size request gets a dangling, aligned pointer; out of
/// memory traps.
///
/// # Safety
///
/// `old_ptr`/`old_len`/`align` must describe a block this function returned
/// before (or `old_len` be 0), and `align` be a power of two.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    if new_len == 0 {
        return core::ptr::without_provenance_mut(align);
    }
    let Ok(layout) = Layout::from_size_align(new_len, align) else {
        unreachable()
    };
    let ptr = if old_len == 0 {
        // SAFETY: `layout` has a non-zero size.
        unsafe { alloc(layout) }
    } else {
        let Ok(old) = Layout::from_size_align(old_len, align) else {
            unreachable()
        };
        // SAFETY: the caller hands back a block allocated with `old`.
        unsafe { realloc(old_ptr, old, new_len) }
    };
    if ptr.is_null() {
        unreachable()
    }
    ptr
}
