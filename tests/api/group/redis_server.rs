//! A real `redis-server` for the group's tests: its own process on a free loopback port, nothing on disk,
//! stopped when dropped, and restartable empty on the same port (as a default Redis restarts).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use camlytics_gateway::group::connection::GroupConnection;
use camlytics_gateway::group::settings::GroupSettings;

/// One redis-server child process.
pub struct TestRedis {
    port: u16,
    child: Option<Child>,
}

impl TestRedis {
    /// Starts redis-server on a port the OS chose, and waits until it answers PING.
    pub fn start() -> Self {
        // Bind to learn a free port, then free it for redis-server: a small race, acceptable in tests.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let mut redis = Self { port, child: None };
        redis.spawn();
        redis
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Group settings on this Redis, with the default prefix.
    pub fn settings(&self) -> GroupSettings {
        GroupSettings::from_values(&self.url(), None, None).expect("a valid test URL")
    }

    /// A connection bounded to `timeout` per call.
    pub fn connect(&self, timeout: Duration) -> GroupConnection {
        GroupConnection::open(&self.settings(), timeout).expect("a connection to the test Redis")
    }

    /// Kills the server (as `kill -9` would: nothing is saved).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts a new, empty one on the same port.
    pub fn restart_empty(&mut self) {
        self.stop();
        self.spawn();
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "redis-server on PATH (Debian: apt-get install redis-server; .ci/run installs it)",
            );
        self.child = Some(child);
        self.wait_for_pong();
    }

    fn wait_for_pong(&self) {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if self.pong() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {} did not answer PING", self.port);
    }

    fn pong(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut answer = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
