//! The `sanxiang` binary: parses arguments and calls the library.
use clap::Parser;

fn main() {
    let cli = sanxiang::cli::Cli::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sanxiang=info")),
        )
        .init();
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
