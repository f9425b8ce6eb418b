//! Panic isolation: a parser that panics on malformed data (calamine does on
//! some corrupt `.xls`/`.xlsb`) yields an error naming the file instead of
//! taking the process, or a whole batch, down.

use std::cell::Cell as FlagCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use super::{Ctx, SourceError};

thread_local! {
    static GUARDED: FlagCell<bool> = const { FlagCell::new(false) };
}

/// Runs `f`, turning a panic into a `Corrupt` error. While `f` runs on this
/// thread the panic message is not printed: the caller reports it.
pub fn guarded<T>(
    ctx: &Ctx,
    format: &'static str,
    f: impl FnOnce() -> Result<T, SourceError>,
) -> Result<T, SourceError> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(FlagCell::get) {
                previous(info);
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    outcome.unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(ctx.corrupt(
            format,
            format!("the {format} parser failed on malformed data ({msg})"),
        ))
    })
}
