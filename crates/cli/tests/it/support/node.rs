//! `roflgov node` as a child process, for the tests that drive a persistent local chain.

use std::path::Path;

/// `roflgov node` on `port` (with `--state FILE` if given), stopped with SIGTERM (as Ctrl-C
/// would) when dropped, also when a test fails: roflgov then stops its anvil.
pub(crate) struct Node(std::process::Child);

impl Node {
    /// Starts the node and returns once it has printed its banner: it is ready then (the clock
    /// of a restored chain is set before the banner).
    pub(crate) fn start(port: u16, state: Option<&Path>) -> Self {
        use std::io::BufRead;
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("roflgov"));
        cmd.args(["node", "--port", &port.to_string()]);
        if let Some(state) = state {
            cmd.arg("--state").arg(state);
        }
        let mut child =
            cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null()).spawn().unwrap();
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        let node = Node(child);
        for line in out.lines() {
            if line.unwrap().contains("press Ctrl-C") {
                return node;
            }
        }
        panic!("roflgov node ended before it was ready");
    }

    /// Stops the node (SIGTERM) and waits for it.
    pub(crate) fn stop(self) {
        drop(self);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let pid = self.0.id().to_string();
            let _ = std::process::Command::new("kill").args(["-TERM", &pid]).status();
            let _ = self.0.wait();
        }
    }
}

/// A TCP port nothing listens on right now.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
