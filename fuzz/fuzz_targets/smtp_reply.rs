//! The proxy's SMTP reply reader on arbitrary bytes fed in arbitrary pieces (what a hostile MX
//! sends): never panics, never holds more than one line's worth, never reads past a reply.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtasts::smtp_reply::{Reader, MAX_LINE, MAX_LINES};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the piece size, so every split of the stream gets tried.
    let Some((&size, mut rest)) = data.split_first() else {
        return;
    };
    let piece = usize::from(size).max(1);
    let mut r = Reader::new();
    while !rest.is_empty() {
        let take = rest.len().min(piece);
        match r.feed(&rest[..take]) {
            Ok((used, reply)) => {
                assert!(used <= take);
                if let Some(reply) = reply {
                    assert!(reply.lines.len() <= MAX_LINES);
                    assert!(reply.lines.iter().all(|l| l.len() <= MAX_LINE * 3));
                    assert!((0..=999).contains(&reply.code));
                    r = Reader::new();
                }
                if used == 0 {
                    return;
                }
                rest = &rest[used..];
            }
            Err(_) => return,
        }
    }
});
