//! Undoing gzip (RFC 1952), zlib (RFC 1950) and raw deflate (RFC 1951), as senders' HTTP
//! clients do for a policy served with a `Content-Encoding`, and as report receivers do for a
//! `.json.gz` TLS-RPT report (RFC 8460 §5.3).
//!
//! Hand-written over `miniz_oxide`'s inflater instead of `flate2`'s readers for the browser's
//! download: `flate2` brings `crc32fast`, whose 16 KiB lookup table does not compress, and its
//! `io::Read` layers; here the gzip header is parsed by hand and the CRC-32 uses a 1 KiB table
//! built on the stack. `tests` check it against `flate2`'s encoder, damage and limits included.

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// What was inflated: the bytes (at most `max + 1`), whether more would have followed, and how
/// many input bytes the stream took.
#[derive(Debug)]
pub(crate) struct Inflated {
    pub bytes: Vec<u8>,
    pub cut: bool,
    pub consumed: usize,
}

/// One deflate stream (`Raw`, or `Zlib` with its Adler-32 checked), appended to `out` until it
/// ends or `out` holds more than `max` bytes.
fn stream(
    input: &[u8],
    format: DataFormat,
    out: &mut Vec<u8>,
    max: usize,
) -> Result<(usize, bool), String> {
    let mut state = InflateState::new_boxed(format);
    let mut consumed = 0;
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let r = inflate(&mut state, &input[consumed..], &mut buf, MZFlush::None);
        consumed += r.bytes_consumed;
        out.extend_from_slice(&buf[..r.bytes_written]);
        if out.len() > max {
            out.truncate(max + 1);
            return Ok((consumed, true));
        }
        match r.status {
            Ok(MZStatus::StreamEnd) => return Ok((consumed, false)),
            Ok(_) if r.bytes_consumed > 0 || r.bytes_written > 0 => {}
            Ok(_) | Err(MZError::Buf) => return Err("the data ends too early".into()),
            Err(MZError::Data) => return Err("the compressed data is invalid".into()),
            Err(e) => return Err(format!("the compressed data cannot be read ({e:?})")),
        }
    }
}

/// CRC-32 (ISO 3309, as RFC 1952 §8 computes it).
fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (n, t) in table.iter_mut().enumerate() {
        let mut c = n as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *t = c;
    }
    !data.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

fn u32_le(b: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(..4)?.try_into().ok()?))
}

/// The length of one gzip member's header (RFC 1952 §2.3).
fn gzip_header(m: &[u8]) -> Result<usize, String> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    let short = || "the gzip header ends too early".to_string();
    if m.len() < 10 {
        return Err(short());
    }
    if m[..2] != [0x1f, 0x8b] {
        return Err("not gzip data (no 1f 8b signature)".into());
    }
    if m[2] != 8 {
        return Err(format!("gzip compression method {} is not deflate", m[2]));
    }
    let flags = m[3];
    if flags & 0xe0 != 0 {
        return Err("the gzip header sets reserved flags".into());
    }
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let len = m.get(at..at + 2).ok_or_else(short)?;
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let end = m.get(at..).ok_or_else(short)?;
            at += end.iter().position(|&b| b == 0).ok_or_else(short)? + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    if at > m.len() {
        return Err(short());
    }
    Ok(at)
}

/// Every gzip member at the start of `input` in turn (as `gunzip` does), until the input ends
/// or what follows a member is not gzip; `consumed` says where that is. Each member's CRC-32
/// and length are checked, unless the output was cut at `max`.
pub(crate) fn gunzip(input: &[u8], max: usize) -> Result<Inflated, String> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let member = &input[at..];
        let header = gzip_header(member)?;
        let start = out.len();
        let (used, cut) = stream(&member[header..], DataFormat::Raw, &mut out, max)
            .map_err(|e| format!("the gzip data is damaged: {e}"))?;
        if cut {
            return Ok(Inflated {
                bytes: out,
                cut,
                consumed: input.len(),
            });
        }
        let trailer = &member[header + used..];
        let (crc, size) = (u32_le(trailer), trailer.get(4..).and_then(u32_le));
        let (Some(crc), Some(size)) = (crc, size) else {
            return Err("the gzip data is damaged: it ends before its checksum".into());
        };
        if crc != crc32(&out[start..]) || size != (out.len() - start) as u32 {
            return Err("the gzip data is damaged: its checksum does not match".into());
        }
        at += header + used + 8;
        if !input[at..].starts_with(&[0x1f, 0x8b]) {
            return Ok(Inflated {
                bytes: out,
                cut: false,
                consumed: at,
            });
        }
    }
}

/// HTTP's `deflate`: zlib-wrapped (RFC 9110 §8.4.1.2), or raw as some servers send it.
pub(crate) fn deflate(input: &[u8], max: usize) -> Result<Inflated, String> {
    let run = |format| {
        let mut out = Vec::new();
        stream(input, format, &mut out, max).map(|(consumed, cut)| Inflated {
            bytes: out,
            cut,
            consumed,
        })
    };
    run(DataFormat::Zlib)
        .or_else(|_| run(DataFormat::Raw))
        .map_err(|e| format!("the deflate data is damaged: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn sample(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| (i * 7 % 251) as u8 ^ (i / 300) as u8)
            .collect()
    }

    #[test]
    fn the_crc_is_the_standard_one() {
        // The check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn gzip_reads_back_what_flate2_wrote_with_every_header_field() {
        for n in [0, 1, 100, 70_000, 300_000] {
            let data = sample(n);
            let r = gunzip(&gz(&data), usize::MAX - 1).unwrap();
            assert_eq!(r.bytes, data, "{n} bytes");
            assert!(!r.cut);
        }
        let mut b = flate2::GzBuilder::new()
            .filename("report.json")
            .comment("a comment")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), flate2::Compression::best());
        b.write_all(b"{}").unwrap();
        let with_fields = b.finish().unwrap();
        assert_eq!(gunzip(&with_fields, 100).unwrap().bytes, b"{}");
    }

    #[test]
    fn members_are_read_in_turn_and_trailing_bytes_are_counted() {
        let mut two = gz(b"first ");
        two.extend(gz(b"second"));
        let r = gunzip(&two, 1000).unwrap();
        assert_eq!(r.bytes, b"first second");
        assert_eq!(r.consumed, two.len());
        let mut trailing = gz(b"data");
        let len = trailing.len();
        trailing.extend_from_slice(b"\0\0junk");
        let r = gunzip(&trailing, 1000).unwrap();
        assert_eq!((r.bytes.as_slice(), r.consumed), (&b"data"[..], len));
    }

    #[test]
    fn damage_is_refused_and_the_limit_cuts() {
        let good = gz(&sample(5000));
        let mut crc = good.clone();
        let n = crc.len();
        crc[n - 6] ^= 1;
        assert!(gunzip(&crc, 10_000).unwrap_err().contains("checksum"));
        let mut body = good.clone();
        body[20] ^= 0xff;
        assert!(gunzip(&body, 10_000).is_err());
        assert!(gunzip(&good[..good.len() - 3], 10_000)
            .unwrap_err()
            .contains("damaged"));
        assert!(gunzip(&good[..40], 10_000).is_err());
        assert!(gunzip(b"plain text", 10).unwrap_err().contains("not gzip"));
        let mut method = good.clone();
        method[2] = 7;
        assert!(gunzip(&method, 10_000).is_err());
        let r = gunzip(&good, 1000).unwrap();
        assert!(r.cut);
        assert_eq!(r.bytes.len(), 1001);
        assert_eq!(r.bytes, sample(5000)[..1001]);
    }

    #[test]
    fn deflate_takes_zlib_or_raw() {
        let data = sample(10_000);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&data).unwrap();
        let z = z.finish().unwrap();
        assert_eq!(deflate(&z, 20_000).unwrap().bytes, data);
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(&data).unwrap();
        assert_eq!(deflate(&raw.finish().unwrap(), 20_000).unwrap().bytes, data);
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 1] ^= 1; // the Adler-32
        assert_ne!(deflate(&bad, 20_000).map(|r| r.bytes), Ok(data));
        assert!(deflate(b"not deflate at all", 100).is_err());
    }
}
