//! A gRPC-web test server standing in for an Oasis node on loopback: it answers each request
//! with a canned reply (one for every request, or one chosen by the request body) and records
//! what it received, so a test can compare the bytes on the wire with what
//! `@oasisprotocol/client` sends (`test/vectors/grpc_query.json`).
//!
//! The answers are written here byte by byte, independently of roflgov-types' gRPC-web
//! framing: a gRPC-web-text body is the base64 of frames, each a flag byte (0x00 data, 0x80
//! trailers), a big-endian u32 length and the payload (the gRPC-web protocol,
//! grpc/grpc `doc/PROTOCOL-WEB.md`); errors are trailers-only, in the HTTP headers.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    sync::{Arc, Mutex},
    thread,
};

use base64::Engine as _;

/// One canned HTTP answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides `content-length` and `connection`.
    pub headers: Vec<(&'static str, String)>,
    /// The body (grpc-web-text: base64 text).
    pub body: String,
}

impl Reply {
    /// A 200 answer with `body` as `application/grpc-web-text`.
    pub fn grpc_text(body: &str) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type", "application/grpc-web-text".into())],
            body: body.into(),
        }
    }

    /// A trailers-only error, as a gRPC-web proxy sends an oasis-core error: `grpc-status`,
    /// the percent-encoded `grpc-message` and, if given, `grpc-status-details-bin` (base64 of a
    /// `google.rpc.Status`).
    pub fn error(code: u32, message: &str, details: Option<&str>) -> Self {
        let mut reply = Self::grpc_text("");
        reply.headers.push(("grpc-status", code.to_string()));
        reply.headers.push(("grpc-message", percent_encode(message)));
        if let Some(details) = details {
            reply.headers.push(("grpc-status-details-bin", details.into()));
        }
        reply
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The request target (`/oasis-core.RuntimeClient/Query`).
    pub path: String,
    /// The headers, names in lower case.
    pub headers: BTreeMap<String, String>,
    /// The body (grpc-web-text is base64, so text).
    pub body: String,
}

/// What the server answers: a reply for a request whose body is one of `routes`', `default`
/// for any other.
#[derive(Debug)]
struct Replies {
    routes: Vec<(String, Reply)>,
    default: Reply,
}

/// A tiny HTTP/1.1 server on 127.0.0.1 (one request a connection), running until the test
/// process ends.
#[derive(Debug)]
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    replies: Arc<Mutex<Replies>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Answers every request with `reply` (until [`Server::set`]).
    pub fn start(reply: Reply) -> Self {
        Self::by_request(Vec::new(), reply)
    }

    /// Answers a request whose body is one of `routes`' with its reply, any other with
    /// `default`.
    pub fn by_request(routes: Vec<(String, Reply)>, default: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let replies = Arc::new(Mutex::new(Replies { routes, default }));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (r, s) = (replies.clone(), seen.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &r, &s);
            }
        });
        Self { url, replies, seen }
    }

    /// From now on, answers every request not routed by its body with `reply`.
    pub fn set(&self, reply: Reply) {
        self.replies.lock().unwrap().default = reply;
    }

    /// The last request received (panics when there was none).
    pub fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().expect("a request")
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// The runtime-query vectors `@oasisprotocol/client` made for `rofl.App` and
/// `rofl.AppInstances` (`test/vectors/grpc_query.json`, by `tools/crosscheck/grpc.test.js`).
pub fn vectors() -> serde_json::Value {
    crate::vectors::json("grpc_query.json")
}

/// The `roflmarket.*` runtime-query vectors (`test/vectors/grpc_market_query.json`, by
/// `tools/crosscheck/grpc-market.test.js` with `@oasisprotocol/client-rt`).
pub fn market_vectors() -> serde_json::Value {
    crate::vectors::json("grpc_market_query.json")
}

/// Answers every request with `body` as a grpc-web-text reply; returns the server's URL.
pub fn serve(body: String) -> String {
    serve_by_request(Vec::new(), body)
}

/// Answers a request whose body is one of `routes`' with its grpc-web-text answer, any other
/// with `default`; returns the server's URL.
pub fn serve_by_request(routes: Vec<(String, String)>, default: String) -> String {
    let routes = routes.into_iter().map(|(request, answer)| (request, Reply::grpc_text(&answer))).collect();
    Server::by_request(routes, Reply::grpc_text(&default)).url
}

/// A successful grpc-web-text answer carrying `data`: the data frame of the CBOR
/// `{data: bytes}` message (written byte by byte here), then the trailers frame
/// `grpc-status:0`.
pub fn ok_body(data: &[u8]) -> String {
    // CBOR: map(1), text(4) "data", bytes(len) (RFC 8949 §3: lengths up to 23 in the head,
    // then one or two more bytes).
    let mut message = vec![0xa1, 0x64];
    message.extend_from_slice(b"data");
    match data.len() {
        n @ 0..=23 => message.push(0x40 | n as u8),
        n @ 24..=255 => message.extend_from_slice(&[0x58, n as u8]),
        n => {
            message.push(0x59);
            message.extend_from_slice(&u16::try_from(n).expect("at most 65535 bytes").to_be_bytes());
        }
    }
    message.extend_from_slice(data);
    let mut body = vec![0];
    body.extend_from_slice(&(message.len() as u32).to_be_bytes());
    body.extend_from_slice(&message);
    let trailers = b"grpc-status:0\r\n";
    body.push(0x80);
    body.extend_from_slice(&(trailers.len() as u32).to_be_bytes());
    body.extend_from_slice(trailers);
    base64::engine::general_purpose::STANDARD.encode(body)
}

/// Reads one request, records it, then answers (recorded first: the client may look right after
/// it has the answer).
fn answer(stream: TcpStream, replies: &Mutex<Replies>, seen: &Mutex<Vec<Seen>>) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let body = String::from_utf8(body).ok()?;
    let reply = {
        let replies = replies.lock().unwrap();
        replies
            .routes
            .iter()
            .find(|(request, _)| *request == body)
            .map_or(&replies.default, |(_, r)| r)
            .clone()
    };
    seen.lock().unwrap().push(Seen { path, headers, body });
    let reason = if reply.status == 200 { "OK" } else { "Error" };
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    let mut stream = stream;
    stream.write_all(out.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use std::{
        io::{Read, Write},
        net::TcpStream,
    };

    use base64::Engine as _;

    use super::{Reply, Server, ok_body, vectors};

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn ok_body_frames_the_data_as_the_vectors_do() {
        // tools/crosscheck/grpc.test.js framed these answers, with the `{data}` message encoded
        // by `@oasisprotocol/client`; its trailers frame also carries an empty grpc-message.
        let v = vectors();
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.decode(text).unwrap();
        for name in ["app", "instances"] {
            let data = unhex(v["responses"][format!("{name}_data")].as_str().unwrap());
            let ours = b64(&ok_body(&data));
            let theirs = b64(v["responses"][format!("{name}_body_text")].as_str().unwrap());
            let frame = 5 + u32::from_be_bytes(theirs[1..5].try_into().unwrap()) as usize;
            assert_eq!(ours[..frame], theirs[..frame], "{name}: the data frame");
            assert_eq!(ours[frame..], *b"\x80\x00\x00\x00\x0fgrpc-status:0\r\n", "{name}: the trailers");
        }
    }

    fn post(url: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
        write!(stream, "POST /q HTTP/1.1\r\nX-Grpc-Web: 1\r\ncontent-length: {}\r\n\r\n{body}", body.len())
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    #[test]
    fn the_server_routes_by_body_and_records_requests() {
        let server =
            Server::by_request(vec![("AAA".into(), Reply::grpc_text("routed"))], Reply::grpc_text("other"));
        assert!(post(&server.url, "AAA").ends_with("\r\n\r\nrouted"));
        assert!(post(&server.url, "BBB").ends_with("\r\n\r\nother"));
        let seen = server.last();
        assert_eq!((seen.path.as_str(), seen.body.as_str()), ("/q", "BBB"));
        assert_eq!(seen.headers["x-grpc-web"], "1");
        server.set(Reply::error(5, "not found", None));
        let answer = post(&server.url, "CCC");
        assert!(
            answer.contains("grpc-status: 5\r\n") && answer.contains("grpc-message: not%20found\r\n"),
            "{answer}"
        );
        assert_eq!(server.requests().len(), 3);
    }
}
