//! `jixiao serve`: the local web page (see `crate::serve`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use super::Error;
use crate::serve::{self, Config, Limits};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 端口：the port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// 打开浏览器：open the page in the default browser.
    #[arg(long)]
    open: bool,
    /// 监听地址：listen on this address instead of 127.0.0.1 (other
    /// computers can then reach the page); requires --token.
    #[arg(long, value_name = "地址", requires = "token")]
    listen: Option<IpAddr>,
    /// 访问令牌：every request must carry it (`?token=…` in the page's
    /// address); required with --listen.
    #[arg(long, value_name = "口令")]
    token: Option<String>,
    /// 单个文件上限（MB）：单个文件上限（MB）.
    #[arg(long, default_value_t = 20, value_name = "兆字节")]
    max_file_mb: u64,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let ip = args.listen.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if let Some(token) = &args.token {
        if token.len() < 12 {
            return Err(Error::Usage(
                "--token must be at least 12 characters".into(),
            ));
        }
    }
    let limits = Limits {
        file_bytes: args.max_file_mb.max(1) << 20,
        ..Limits::default()
    };
    let config = Config {
        addr: SocketAddr::new(ip, args.port),
        token: args.token.clone(),
        limits,
    };
    let open = args.open;
    let token = args.token;
    serve::run(config, move |addr| {
        let query = token.map_or_else(String::new, |t| format!("?token={t}"));
        let url = format!("http://{addr}/{query}");
        println!("jixiao serve: {url}  （按 Ctrl-C 停止；上传的文件在停止时删除）");
        if open {
            open_browser(&url);
        }
    })
    .map_err(|e| Error::Usage(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}

/// Best effort: a missing opener leaves the printed address to click.
fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else {
        ("xdg-open", vec![url])
    };
    let _ = std::process::Command::new(program).args(args).spawn();
}
