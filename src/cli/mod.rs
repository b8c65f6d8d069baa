//! The headless subcommands, callable from tests as well as `main`.

mod checkout;
pub mod locker;
pub mod pickup;
pub mod price;
pub mod qris;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

pub use checkout::{CartInput, CheckoutOptions, PayMode, Unsettled, run as checkout_async};

/// Logs to standard error; `RUST_LOG` overrides `default`.
pub fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colours only for a person at a terminal, not in a log file.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `swalayan central`: serves until interrupted.
pub fn central(
    config: crate::central::server::Config,
    listen: SocketAddr,
) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let running = crate::central::server::start(config, listen).await?;
        eprintln!("central listening on {}", running.url());
        tokio::select! {
            _ = tokio::signal::ctrl_c() => running.stop().await,
            _ = std::future::pending::<()>() => {}
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `swalayan decode`: one JSON line per file; fails after all files if any
/// could not be read.
pub fn decode(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let all_read = crate::scan::run_decode(files, &mut out)?;
    out.flush()?;
    Ok(if all_read { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `swalayan price`: prints the priced cart as one JSON object.
pub fn price(opts: price::PriceOptions) -> anyhow::Result<ExitCode> {
    let receipt = runtime()?.block_on(price::run(opts))?;
    println!("{}", serde_json::to_string_pretty(&receipt)?);
    Ok(ExitCode::SUCCESS)
}

/// `swalayan checkout`: prints the receipt as one JSON object.
pub fn checkout(opts: CheckoutOptions) -> anyhow::Result<ExitCode> {
    let receipt = runtime()?.block_on(checkout::run(opts))?;
    println!("{}", serde_json::to_string(&receipt)?);
    Ok(if receipt.transaction_id.is_some() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}

/// `swalayan staff hash-pin`: reads a PIN from standard input (its first
/// line) and prints its argon2id PHC string; the PIN itself is never
/// printed.
pub fn hash_pin() -> anyhow::Result<ExitCode> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("cannot read the PIN from standard input")?;
    let hash = crate::staff::hash_pin(line.trim()).context("standard input")?;
    println!("{hash}");
    Ok(ExitCode::SUCCESS)
}
