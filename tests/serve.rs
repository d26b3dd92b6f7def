//! `alssim serve` over real HTTP on the loopback: the bundled page, the JSON API, and every
//! kind of bad request refused with a 4xx status and a message (never a 5xx or a crash). The
//! page in a real browser and the load test are in `python/tests/`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

mod common;

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("alssim"))
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let at = line
        .find("http://")
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let addr = line[at + 7..].split('/').next().unwrap().to_string();
    Server { child, addr }
}

/// (status, content type, body) of one request.
fn http(s: &Server, method: &str, path: &str, body: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        s.addr,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // A body over the limit may be refused before it is all read.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let kind = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    // The bodies here are small and sent whole (no chunked encoding).
    (status, kind, body.to_string())
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn the_page_and_its_files_are_served_and_refer_to_nothing_elsewhere() {
    let s = start(&[]);
    for (path, kind) in [
        ("/", "text/html"),
        ("/app.js", "text/javascript"),
        ("/style.css", "text/css"),
    ] {
        let (status, k, body) = http(&s, "GET", path, b"");
        assert_eq!(status, 200, "{path}");
        assert!(k.starts_with(kind), "{path}: {k}");
        // No resource from elsewhere: every src/href/url() is local (the SVG namespace is a
        // name, not a resource).
        for needle in ["src=\"http", "href=\"http", "url(http", "//cdn", "@import"] {
            assert!(!body.contains(needle), "{path} contains {needle}");
        }
        assert!(
            !body
                .replace("http://www.w3.org/2000/svg", "")
                .contains("http"),
            "{path} names a web address"
        );
    }
    let (status, _, body) = http(&s, "GET", "/api/drugs", b"");
    assert_eq!(status, 200);
    let drugs = json(&body);
    assert!(
        drugs
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == "riluzole")
    );
    // Whether a resistance term outlasts the drug, and an effect's shared site, reach the page.
    let drug = |name: &str| {
        drugs
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap()
            .clone()
    };
    let edaravone = drug("edaravone-iv");
    assert_eq!(edaravone["resistance"][0]["outlasts_drug"], true);
    assert_eq!(edaravone["effects"][0]["site"], "edaravone");
    assert_eq!(drug("ceftriaxone")["resistance"][0]["outlasts_drug"], false);
    // The exposure chain: riluzole's plasma swing and food effect, and its efflux term, which
    // has no single target.
    let riluzole = drug("riluzole");
    let x = &riluzole["exposure"];
    assert_eq!(x["plasma"], 1.5);
    assert!((x["tissue"].as_f64().unwrap() - 5.25).abs() < 1e-12);
    assert!(x["pk"]["peak"].as_f64().unwrap() > 1.5 && x["pk"]["trough"].as_f64().unwrap() < 1.5);
    assert_eq!(x["pk"]["fed_exposure"], 0.8);
    let efflux = riluzole["resistance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["mechanism"] == "efflux-induction")
        .unwrap();
    assert_eq!(efflux["lowers_exposure"], true);
    assert!(efflux["target"].is_null());
    assert!((riluzole["effects"][0]["at_standard_dose"].as_f64().unwrap() - 0.1296).abs() < 1e-4);
    assert!(drug("niv")["exposure"].is_null());
}

#[test]
fn a_what_if_request_runs_and_its_scenario_reads_back() {
    let s = start(&[]);
    let request = br#"{"arms": [{}, {"drugs": [{"drug": "riluzole", "adherence": 0.8}]}],
        "patients": 40, "seed": 3, "horizon_months": 24, "population": "bulbar"}"#;
    let (status, kind, body) = http(&s, "POST", "/api/whatif", request);
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("application/json"));
    let v = json(&body);
    let arms = v["arms"].as_array().unwrap();
    assert_eq!(arms.len(), 2);
    assert_eq!(arms[0]["name"], "untreated");
    assert_eq!(arms[1]["name"], "riluzole");
    assert!(arms[1]["paired"]["survival_months"]["counts"].is_array());
    assert_eq!(v["screened"], 40);
    let toml = v["scenario_toml"].as_str().unwrap();
    let scenario = alssim::scenario::parse("explorer.toml", "explorer", toml).unwrap();
    assert_eq!(scenario.population().size, 40);
    assert_eq!(scenario.arms().len(), 2);
    // The scenario endpoint gives the same file without running it.
    let (status, _, text) = http(&s, "POST", "/api/scenario", request);
    assert_eq!(status, 200);
    assert_eq!(text, toml);
}

#[test]
fn every_bad_request_gets_a_4xx_with_a_message() {
    let s = start(&[]);
    let huge = format!("{{\"arms\": [{}{{}}]}}", "{},".repeat(40_000));
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "POST",
            "/api/whatif",
            b"{\"arms\": [".to_vec(),
            400,
            "not a what-if request",
        ),
        (
            "POST",
            "/api/whatif",
            b"{\"arms\": \"x\"}".to_vec(),
            400,
            "invalid type",
        ),
        (
            "POST",
            "/api/whatif",
            br#"{"arms": [{"drugs": [{"drug": "rilzole"}]}]}"#.to_vec(),
            400,
            "did you mean `riluzole`",
        ),
        (
            "POST",
            "/api/whatif",
            br#"{"arms": [{}], "patients": -3}"#.to_vec(),
            400,
            "invalid value",
        ),
        (
            "POST",
            "/api/whatif",
            br#"{"arms": [{}], "patients": 100000}"#.to_vec(),
            400,
            "accepted 10 to 5000",
        ),
        (
            "POST",
            "/api/whatif",
            br#"{"arms": [{},{},{},{},{}]}"#.to_vec(),
            400,
            "accepted 1 to 4",
        ),
        (
            "POST",
            "/api/whatif",
            br#"{"arms": []}"#.to_vec(),
            400,
            "accepted 1 to 4",
        ),
        (
            "POST",
            "/api/whatif",
            br#"{"arms": [{}], "colour": 1}"#.to_vec(),
            400,
            "unknown field",
        ),
        (
            "POST",
            "/api/whatif",
            br#"{"arms": [{}], "horizon_months": 1e9}"#.to_vec(),
            400,
            "horizon_months",
        ),
        (
            "POST",
            "/api/whatif",
            br#"{"arms": [{"name": "../x"}]}"#.to_vec(),
            400,
            "arms[0].name",
        ),
        (
            "POST",
            "/api/whatif",
            br#"{"arms": [{"drugs": [{"drug": "riluzole", "dose": -1}]}]}"#.to_vec(),
            400,
            "dose",
        ),
        ("POST", "/api/whatif", huge.into_bytes(), 413, ""),
        ("GET", "/api/whatif", Vec::new(), 405, ""),
        ("GET", "/etc/passwd", Vec::new(), 404, "no such page"),
        ("GET", "/../Cargo.toml", Vec::new(), 404, ""),
    ];
    for (method, path, body, want, says) in cases {
        let (status, _, text) = http(&s, method, path, &body);
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).to_string();
        assert_eq!(status, want, "{method} {path} {shown}: {text}");
        assert!(text.contains(says), "{method} {path} {shown}: {text}");
    }
    // Several problems are reported at once.
    let (_, _, text) = http(
        &s,
        "POST",
        "/api/whatif",
        br#"{"arms": [{"drugs": [{"drug": "nope"}]}], "patients": 1, "age_min": 5}"#,
    );
    let problems = json(&text)["problems"].as_array().unwrap().len();
    assert!(problems >= 3, "{text}");
    // The server is still up.
    assert_eq!(http(&s, "GET", "/api/limits", b"").0, 200);
}

#[test]
fn binding_beyond_the_loopback_needs_a_flag() {
    let out = common::alssim()
        .args(["serve", "--port", "0", "--bind", "0.0.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--allow-remote"), "{stderr}");
}
