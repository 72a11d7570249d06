//! The gateway binary as a child process, for what only a real process shows: SIGKILL, logs, `--help`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tempfile::TempDir;

use crate::helpers::{KEY, SECRET};

/// The built binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_camlytics-gateway");

/// A gateway process, its base URL, and everything it printed so far.
pub struct GatewayProcess {
    pub api: String,
    child: Child,
    output: Arc<Mutex<String>>,
    /// A nonce state made for this process alone, removed with it.
    own_state: Option<TempDir>,
}

impl GatewayProcess {
    /// The gateway's `http://127.0.0.1:<port>`, for paths outside the API.
    pub fn origin(&self) -> String {
        self.api
            .trim_end_matches(camlytics_gateway::camlytics::BASE_PATH)
            .to_string()
    }

    /// Starts `serve` with the test key and secret against `cloud_url`, on a nonce state of its own.
    pub fn start_fresh(cloud_url: &str, env: &[(&str, &str)]) -> Self {
        let state = tempfile::tempdir().expect("a temporary state dir");
        let mut gateway = Self::start(cloud_url, state.path(), env);
        gateway.own_state = Some(state);
        gateway
    }

    /// Starts `serve` with the test key and secret on a free port against `cloud_url`, keeping nonces in
    /// `state`, and waits until it listens.
    pub fn start(cloud_url: &str, state: &Path, env: &[(&str, &str)]) -> Self {
        let state = state.display().to_string();
        let mut all_env = vec![
            ("RUST_LOG", "debug"),
            ("CAMLYTICS_API_KEY", KEY),
            ("CAMLYTICS_API_SECRET", SECRET),
            ("CAMLYTICS_BASE_URL", cloud_url),
            ("GATEWAY_STATE_DIR", state.as_str()),
            ("GATEWAY_UPSTREAM_RPS", "1000"),
            ("GATEWAY_WARM_DIMENSIONS", "false"),
            // Most tests count the cloud's calls: the mirror (on by default) would add its own. A test of the
            // mirror turns it on in `env`, which comes after and wins.
            ("GATEWAY_MIRROR", "off"),
        ];
        all_env.extend_from_slice(env);
        Self::spawn(&["serve"], &all_env)
    }

    /// Runs the binary with `args` on a free port (`GATEWAY_LISTEN=127.0.0.1:0`) and waits for its
    /// "listening on" line.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BINARY)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GATEWAY_LISTEN", "127.0.0.1:0")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the gateway binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let (output, port_tx) = (output.clone(), port_tx.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                        let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                        let _ = port_tx.send(port);
                    }
                    let mut all = output.lock().unwrap();
                    all.push_str(&line);
                    all.push('\n');
                }
            });
        }
        let port = port_rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("the gateway did not start: {}", output.lock().unwrap()));
        Self {
            api: format!("http://127.0.0.1:{port}/service/api/v1"),
            child,
            output,
            own_state: None,
        }
    }

    /// The peak resident memory of the process so far (Linux's `VmHWM`), in bytes.
    pub fn peak_memory_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the process's status");
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .expect("a VmHWM line");
        kib * 1024
    }

    /// SIGKILL: no shutdown step runs.
    pub fn kill(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        self.output.lock().unwrap().clone()
    }
}

impl GatewayProcess {
    /// Everything the process printed so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Sends `signal` (e.g. "HUP") and returns at once, the process still running.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Sends `signal` (e.g. "TERM", "INT"), then waits for the exit: its code (None if killed by a signal)
    /// and everything printed.
    pub fn signal_and_wait(mut self, signal: &str) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill runs");
        let status = self.child.wait().expect("the gateway exits");
        std::thread::sleep(Duration::from_millis(100));
        (status.code(), self.output.lock().unwrap().clone())
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary to completion with arguments and environment, returning stdout and stderr together.
pub fn run_binary(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let output = Command::new(BINARY)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("the gateway binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

/// [`run_binary`] off the test's runtime, so servers on that runtime (the simulator) keep answering.
pub async fn run_binary_beside(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let (args, env): (Vec<String>, _) = (args.iter().map(|a| a.to_string()).collect(), owned(env));
    actix_web::rt::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_binary(&args, &env)
    })
    .await
    .expect("the binary's runner does not panic")
}
