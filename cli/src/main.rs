//! `sesshu`: the operator's command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The rules of municipal vaccination administration (予防接種事務), for operators.
#[derive(Parser)]
#[command(name = "sesshu", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Rule scenarios (language-neutral test cases).
    Scenarios {
        #[command(subcommand)]
        command: ScenariosCommand,
    },
    /// Builds a synthetic population and prints what the rules decide.
    Demo(sesshu_cli::demo::DemoArgs),
}

#[derive(Subcommand)]
enum ScenariosCommand {
    /// Runs every case of the given files or folders; prints each failure
    /// and `N passed, N failed`; exits non-zero when any case failed.
    Run {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scenarios {
            command: ScenariosCommand::Run { paths },
        } => {
            let report = sesshu_cli::scenarios::run_paths(&paths);
            for failure in &report.failures {
                println!("{failure}");
            }
            println!("{}", report.summary());
            if report.failed() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Demo(args) => match sesshu_cli::demo::run(&args, &mut std::io::stdout().lock()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sesshu demo: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
