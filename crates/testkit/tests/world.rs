//! The world's front-ends on the wire: DNS over UDP and TCP, DoH by GET and POST with CORS,
//! and an SMTP host's dialogue.

use base64::Engine;
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use mtasts_testkit::{catalogue, World};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, UdpSocket};

fn query(name: &str, t: RecordType) -> Vec<u8> {
    let mut m = Message::new(4242, MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), t));
    m.to_vec().unwrap()
}

fn txt_of(m: &Message) -> Vec<String> {
    m.answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::TXT(t) => Some(
                t.txt_data
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect::<String>(),
            ),
            _ => None,
        })
        .collect()
}

async fn http(addr: std::net::SocketAddr, request: Vec<u8>) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(&request).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase(),
        raw[split + 4..].to_vec(),
    )
}

#[tokio::test]
async fn dns_over_udp_tcp_and_doh() {
    let world = World::start(&catalogue()).await.unwrap();

    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    udp.send_to(
        &query("_mta-sts.enforce-good.test.", RecordType::TXT),
        world.dns,
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 2048];
    let n = udp.recv(&mut buf).await.unwrap();
    let m = Message::from_vec(&buf[..n]).unwrap();
    assert_eq!(txt_of(&m), ["v=STSv1; id=20261101000000"]);
    assert!(m.metadata.authentic_data, "enforce-good is signed");

    let mut tcp = TcpStream::connect(world.dns).await.unwrap();
    let q = query("nxdomain.test.", RecordType::MX);
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend(q);
    tcp.write_all(&framed).await.unwrap();
    let mut len = [0u8; 2];
    tcp.read_exact(&mut len).await.unwrap();
    let mut body = vec![0u8; u16::from_be_bytes(len) as usize];
    tcp.read_exact(&mut body).await.unwrap();
    assert_eq!(
        Message::from_vec(&body).unwrap().metadata.response_code,
        ResponseCode::NXDomain
    );

    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(query("_smtp._tls.enforce-good.test.", RecordType::TXT));
    let get = format!("GET /dns-query?dns={b64} HTTP/1.1\r\nHost: doh\r\nAccept: application/dns-message\r\nConnection: close\r\n\r\n");
    let (head, body) = http(world.doh, get.into_bytes()).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("content-type: application/dns-message"),
        "{head}"
    );
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
    assert_eq!(
        txt_of(&Message::from_vec(&body).unwrap()),
        ["v=TLSRPTv1; rua=mailto:tlsrpt@enforce-good.test"]
    );

    let q = query("_mta-sts.sts-servfail.test.", RecordType::TXT);
    let mut post = format!(
        "POST /dns-query HTTP/1.1\r\nHost: doh\r\nContent-Type: application/dns-message\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        q.len()
    )
    .into_bytes();
    post.extend(q);
    let (head, body) = http(world.doh, post).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(
        Message::from_vec(&body).unwrap().metadata.response_code,
        ResponseCode::ServFail
    );

    let (head, _) = http(world.doh, b"OPTIONS /dns-query HTTP/1.1\r\nHost: doh\r\nOrigin: https://a.example\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n".to_vec()).await;
    assert!(
        head.contains("access-control-allow-methods"),
        "preflight answered: {head}"
    );
}

#[tokio::test]
async fn doh_json_api_answers_like_public_resolvers() {
    let world = World::start(&catalogue()).await.unwrap();
    let get = |q: &str| {
        format!("GET /dns-query?{q} HTTP/1.1\r\nHost: doh\r\nAccept: application/dns-json\r\nConnection: close\r\n\r\n").into_bytes()
    };
    let (head, body) = http(world.doh, get("name=_mta-sts.enforce-good.test&type=TXT")).await;
    assert!(
        head.contains("content-type: application/dns-json"),
        "{head}"
    );
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["Status"], 0);
    assert_eq!(v["AD"], true, "enforce-good is signed");
    assert_eq!(v["Answer"][0]["type"], 16);
    assert_eq!(v["Answer"][0]["data"], "\"v=STSv1; id=20261101000000\"");
    let (_, body) = http(world.doh, get("name=nxdomain.test&type=MX")).await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["Status"], 3, "NXDOMAIN");
    let (_, body) = http(world.doh, get("name=enforce-good.test&type=MX")).await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let data = v["Answer"][0]["data"].as_str().unwrap();
    assert!(
        data.starts_with("10 ") && data.ends_with(".enforce-good.test."),
        "{data}"
    );
    let (_, body) = http(
        world.doh,
        get("name=_25._tcp.mx1.enforce-good.test&type=TLSA"),
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["Answer"][0]["type"], 52);
    let data = v["Answer"][0]["data"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();
    // The placeholder @spki:mx1 became the SHA-256 of the key mx1 presents.
    use sha2::Digest;
    let spki = world.host_spki("mx1.enforce-good.test").expect("mx1's key");
    let want: String = sha2::Sha256::digest(spki)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(data, format!("3 1 1 {want}"));
}

#[tokio::test]
async fn smtp_host_offers_starttls_and_takes_no_mail() {
    let scenarios: Vec<_> = catalogue()
        .into_iter()
        .filter(|s| s.name == "mx-no-starttls")
        .collect();
    let world = World::start(&scenarios).await.unwrap();
    for (host, starttls) in [
        ("mx1.mx-no-starttls.test", true),
        ("mx2.mx-no-starttls.test", false),
    ] {
        let ip = world.host_ip(host).unwrap();
        let s = TcpStream::connect((ip, world.smtp_port)).await.unwrap();
        let mut s = BufReader::new(s);
        let mut line = String::new();
        s.read_line(&mut line).await.unwrap();
        assert!(line.starts_with("220 "), "{line}");
        s.get_mut()
            .write_all(b"EHLO test.example\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n")
            .await
            .unwrap();
        let mut all = String::new();
        s.read_to_string(&mut all).await.unwrap();
        assert_eq!(all.contains("250-STARTTLS"), starttls, "{all}");
        assert!(all.contains("503 "), "no mail accepted: {all}");
        assert!(all.contains("221 "), "{all}");
    }
    assert_eq!(world.mail_transactions(), 2, "MAIL attempts are counted");
    assert_eq!(world.connections("mx1.mx-no-starttls.test"), 1);
}
