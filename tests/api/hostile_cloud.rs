//! A cloud that misbehaves on purpose, of the tests' own: a raw TCP server on a loopback port that answers
//! every request the way it is told to, byte by byte, including ways no HTTP library would produce.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the hostile cloud answers the next requests.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// 200 with an empty success envelope.
    Normal,
    /// This status, with extra header lines and a body.
    Status {
        status: u16,
        headers: Vec<String>,
        body: String,
    },
    /// 200 with a body that is not JSON.
    NotJson,
    /// A `Content-Length` larger than the body sent, then the connection closes.
    Truncated,
    /// 200 announcing and sending this many bytes.
    Huge(usize),
    /// The status line at once, then the headers a byte per `Duration`.
    SlowHeaders(Duration),
    /// Part of the body, then a TCP reset.
    ResetMidBody,
    /// A chunked body that never ends.
    EndlessChunked,
}

/// A running hostile cloud: its base URL, its behaviour, and the nonces it was sent.
#[derive(Clone)]
pub struct HostileCloud {
    /// `http://127.0.0.1:<port>/service/api/v1`.
    pub url: String,
    behaviour: Arc<Mutex<Behaviour>>,
    nonces: Arc<Mutex<Vec<i64>>>,
}

impl HostileCloud {
    /// Listens on an OS-chosen loopback port; each connection is served on its own thread.
    pub fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("an address").port();
        let cloud = Self {
            url: format!("http://127.0.0.1:{port}/service/api/v1"),
            behaviour: Arc::new(Mutex::new(behaviour)),
            nonces: Arc::new(Mutex::new(Vec::new())),
        };
        let serving = cloud.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let cloud = serving.clone();
                std::thread::spawn(move || cloud.serve(stream));
            }
        });
        cloud
    }

    /// Changes how the following requests are answered.
    pub fn behave(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }

    /// The nonces of every request received, in order.
    pub fn nonces(&self) -> Vec<i64> {
        self.nonces.lock().unwrap().clone()
    }

    fn serve(&self, mut stream: TcpStream) {
        let Some(request_line) = read_until(&mut stream, b"\r\n") else {
            return;
        };
        if let Some(nonce) = nonce_of(&request_line) {
            self.nonces.lock().unwrap().push(nonce);
        }
        let behaviour = self.behaviour.lock().unwrap().clone();
        // The reset needs the rest of the request left unread: closing a socket with unread data sends RST.
        if !matches!(behaviour, Behaviour::ResetMidBody)
            && read_until(&mut stream, b"\r\n\r\n").is_none()
        {
            return;
        }
        // Write errors mean the gateway hung up, which is what it should do with most of these.
        let _ = answer(&mut stream, behaviour);
    }
}

/// Reads byte by byte up to and including `end` (the request line, or the rest of the head).
fn read_until(stream: &mut TcpStream, end: &[u8]) -> Option<String> {
    let mut read = Vec::new();
    let mut byte = [0u8; 1];
    while !read.ends_with(end) {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        read.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&read).into_owned())
}

fn nonce_of(request_line: &str) -> Option<i64> {
    let target = request_line.split_whitespace().nth(1)?;
    let query = target.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("nonce="))?
        .parse()
        .ok()
}

const ENVELOPE: &str = r#"{"code":0,"msg":"success","result":[]}"#;

fn answer(stream: &mut TcpStream, behaviour: Behaviour) -> std::io::Result<()> {
    match behaviour {
        Behaviour::Normal => respond(stream, 200, &[], ENVELOPE),
        Behaviour::Status {
            status,
            headers,
            body,
        } => respond(stream, status, &headers, &body),
        Behaviour::NotJson => respond(stream, 200, &[], "<html>sorry</html>"),
        Behaviour::Truncated => {
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n{\"code\":0,\"msg\":")?;
            stream.flush()
        }
        Behaviour::Huge(bytes) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {bytes}\r\nConnection: close\r\n\r\n"
            )?;
            let block = vec![b' '; 64 * 1024];
            let mut left = bytes;
            while left > 0 {
                let n = left.min(block.len());
                stream.write_all(&block[..n])?;
                left -= n;
            }
            Ok(())
        }
        Behaviour::SlowHeaders(per_byte) => {
            stream.write_all(b"HTTP/1.1 200 OK\r\n")?;
            for byte in b"Content-Type: application/json\r\nX-Slow: ".iter().cycle() {
                stream.write_all(&[*byte])?;
                std::thread::sleep(per_byte);
            }
            Ok(())
        }
        Behaviour::ResetMidBody => {
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"code\":0,")?;
            stream.flush()?;
            std::thread::sleep(Duration::from_millis(50));
            // Dropped with the request's headers unread: the kernel answers the close with a reset.
            Ok(())
        }
        Behaviour::EndlessChunked => {
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")?;
            let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, " ".repeat(16 * 1024));
            loop {
                stream.write_all(chunk.as_bytes())?;
            }
        }
    }
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    headers: &[String],
    body: &str,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for line in headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}
