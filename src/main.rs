//! The `loganon` command; everything it does lives in the library.

fn main() -> std::process::ExitCode {
    loganon::cli::main()
}
