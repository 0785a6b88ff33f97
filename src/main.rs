use std::process::ExitCode;

fn main() -> ExitCode {
    match std::panic::catch_unwind(fundament::cli::main) {
        Ok(code) => ExitCode::from(code),
        Err(_) => {
            eprintln!(
                "error: fundament failed internally; this is a bug, please report it with the \
                 command line and the message above"
            );
            ExitCode::from(fundament::cli::EXIT_INTERNAL)
        }
    }
}
