//! The `sanxiang` binary: parses arguments and calls the library.
use clap::Parser;

fn main() {
    let cli = sanxiang::cli::Cli::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    // `RUST_LOG` chooses what is logged; without it a node logs its own events and Raft's
    // errors, and the demo, whose console shows its progress, only what went wrong.
    let default = match cli.command {
        sanxiang::cli::Top::Demo(_) => "error,sanxiang=warn",
        _ => "warn,openraft=error,sanxiang=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    // `SANXIANG_LOG_FORMAT=json`: one JSON object a line, for a log collector.
    if std::env::var("SANXIANG_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误 error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = rt.block_on(sanxiang::cli::run(cli));
    std::process::exit(code);
}
