//! `alssim serve`: the what-if explorer, a local web page (docs/SERVE.md).

use super::UsageError;
use alssim::serve::Config;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Options of `alssim serve`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  alssim serve                 (http://127.0.0.1:8321/)\n  \
    alssim serve --port 0 --open (a free port, opened in a browser)\n\n\
    The page and its API are described in docs/SERVE.md. Stop the server with Ctrl-C."
)]
pub struct Args {
    /// Port to listen on (0: a free port, printed at start).
    #[arg(long, default_value_t = 8321)]
    port: u16,
    /// Address to listen on. Anything but a loopback address (127.0.0.1, ::1) makes the page
    /// reachable from other machines and needs --allow-remote.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Allow --bind to a non-loopback address (the server has no authentication).
    #[arg(long)]
    allow_remote: bool,
    /// Open the page in a browser, if one can be found.
    #[arg(long)]
    open: bool,
    /// Simulations run at once (further requests wait in a queue).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    max_concurrent: u64,
    /// Longest wait in the queue, seconds, before a request is refused as busy.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    queue_timeout: u64,
    /// Worker threads of one simulation (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if !args.bind.is_loopback() && !args.allow_remote {
        return Err(UsageError(format!(
            "--bind {}: not a loopback address; the page would be reachable from other \
             machines, and it has no authentication. Add --allow-remote to do it anyway",
            args.bind
        ))
        .into());
    }
    let config = Config {
        max_concurrent: usize::try_from(args.max_concurrent)?,
        queue_timeout: Duration::from_secs(args.queue_timeout),
        threads: super::threads(args.threads),
        ..Config::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(args.bind, args.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| UsageError(format!("cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        let url = format!("http://{local}/");
        if !args.bind.is_loopback() {
            eprintln!(
                "warning: listening on {local}, reachable from other machines; anyone who can \
                 reach it can run simulations on this computer"
            );
        }
        crate::outln!("alssim serve: the what-if explorer is at {url} (Ctrl-C stops it)");
        if args.open {
            open_browser(&url);
        }
        alssim::serve::serve(listener, config, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        crate::outln!("alssim serve: stopped");
        Ok(())
    })
}

/// Opens `url` in a browser if one of the usual openers exists; says so when none does.
fn open_browser(url: &str) {
    for opener in ["xdg-open", "open", "sensible-browser"] {
        if std::process::Command::new(opener)
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
        {
            return;
        }
    }
    eprintln!("note: no browser could be opened here; open {url} yourself");
}
