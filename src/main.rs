// Allocation-heavy work (cell strings, XML, the review's small vectors) runs
// on every rayon thread; mimalloc's thread-local heaps serve it faster than
// the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    jixiao::cli::main()
}
