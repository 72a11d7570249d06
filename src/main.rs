//! Entry point: parse the command line, start logging, run the chosen command.

use camlytics_gateway::cli::{Cli, Command};
use camlytics_gateway::commands;
use clap::Parser;

#[actix_web::main]
async fn main() {
    let cli = Cli::parse();
    camlytics_gateway::ops::logging::init(cli.log_format);
    let outcome = match cli.command {
        None => commands::serve::run(cli.serve).await,
        Some(Command::Serve(args)) => commands::serve::run(*args).await,
        Some(Command::Demo(args)) => commands::demo::run(args).await,
        Some(Command::Simulate(args)) => commands::simulate::run(args).await,
        Some(Command::Check(args)) => commands::check::run(args).await,
        Some(Command::Openapi) => commands::openapi::run(),
        Some(Command::Healthcheck(args)) => commands::healthcheck::run(args).await,
        Some(Command::Mirror(command)) => commands::mirror::run(command).await,
    };
    if let Err(message) = outcome {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
}
