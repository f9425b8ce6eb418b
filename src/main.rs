// Allocation-heavy work (cell strings, XML, the review's small vectors) runs
// on every thread of a batch; mimalloc's thread-local heaps serve it faster
// than the system allocator. Built without transparent huge pages (the
// `no_thp` feature): clearing a fresh 2 MiB page for small heaps cost more
// time than the allocator saved, and tripled peak memory.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    jixiao::cli::main()
}
