//! SMTP replies (RFC 5321 §4.2) as a hostile MX sends them, read with bounds that hold while
//! reading: a line is cut off at [`MAX_LINE`] bytes whether or not its LF ever comes, and a
//! reply at [`MAX_LINES`] lines. Sans-IO (bytes in, a reply out), so the async probe and the
//! fuzz target drive the same code.
//!
//! RFC 5321 §4.5.3.1.5 limits a reply line to 512 octets including CRLF; real servers exceed
//! it in banners and EHLO lists, so the bound here is eight times that. The text is decoded
//! leniently (invalid UTF-8 is replaced): senders such as Postfix read reply text as bytes,
//! so a Latin-1 greeting is no reason to fail a host.

/// Longest reply line accepted, CRLF included.
pub const MAX_LINE: usize = 4096;
/// Most lines in one (multi-line) reply.
pub const MAX_LINES: usize = 100;

/// One complete reply: the code of its last line and the text of every line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

/// Why bytes are not an acceptable SMTP reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyError {
    /// A line reached [`MAX_LINE`] bytes without its LF.
    LineTooLong,
    /// More than [`MAX_LINES`] lines.
    TooManyLines,
    /// A line that does not start with a three-digit code.
    NotSmtp(String),
}

impl std::fmt::Display for ReplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyError::LineTooLong => {
                write!(f, "a reply line ran past {MAX_LINE} bytes without ending")
            }
            ReplyError::TooManyLines => write!(f, "the reply ran past {MAX_LINES} lines"),
            ReplyError::NotSmtp(line) => write!(f, "not an SMTP reply: {line:?}"),
        }
    }
}

/// Accumulates one reply from the bytes given to [`Reader::feed`].
#[derive(Default)]
pub struct Reader {
    line: Vec<u8>,
    lines: Vec<String>,
}

impl Reader {
    pub fn new() -> Self {
        Reader::default()
    }

    /// Takes bytes up to the end of the reply at most. Returns how many of `input` were used
    /// and, once the reply is complete, the reply (bytes after it are left for the caller).
    pub fn feed(&mut self, input: &[u8]) -> Result<(usize, Option<Reply>), ReplyError> {
        let mut used = 0;
        while used < input.len() {
            let rest = &input[used..];
            let room = MAX_LINE - self.line.len();
            match rest.iter().take(room).position(|&b| b == b'\n') {
                Some(i) => {
                    self.line.extend_from_slice(&rest[..i]);
                    used += i + 1;
                    if let Some(reply) = self.end_line()? {
                        return Ok((used, Some(reply)));
                    }
                }
                None if rest.len() >= room => return Err(ReplyError::LineTooLong),
                None => {
                    self.line.extend_from_slice(rest);
                    used = input.len();
                }
            }
        }
        Ok((used, None))
    }

    fn end_line(&mut self) -> Result<Option<Reply>, ReplyError> {
        let bytes = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&bytes);
        let line = text.trim_end_matches('\r');
        let code: u16 = line
            .get(..3)
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| ReplyError::NotSmtp(line.chars().take(60).collect()))?;
        if self.lines.len() >= MAX_LINES {
            return Err(ReplyError::TooManyLines);
        }
        self.lines.push(line.get(4..).unwrap_or("").to_string());
        if line.as_bytes().get(3) == Some(&b'-') {
            return Ok(None);
        }
        Ok(Some(Reply {
            code,
            lines: std::mem::take(&mut self.lines),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(mut input: &[u8], chunk: usize) -> Result<(Reply, usize), ReplyError> {
        let mut r = Reader::new();
        let mut total = 0;
        loop {
            let take = input.len().min(chunk);
            let (used, reply) = r.feed(&input[..take])?;
            total += used;
            input = &input[used..];
            if let Some(reply) = reply {
                return Ok((reply, total));
            }
            assert!(take > 0, "ran out of input");
        }
    }

    #[test]
    fn single_and_multi_line_replies_in_any_chunking() {
        let input = b"250-mx.example.com\r\n250-PIPELINING\r\n250 STARTTLS\r\nNEXT";
        for chunk in [1, 2, 7, 64] {
            let (reply, used) = read_all(input, chunk).unwrap();
            assert_eq!(reply.code, 250);
            assert_eq!(reply.lines, ["mx.example.com", "PIPELINING", "STARTTLS"]);
            assert_eq!(
                used,
                input.len() - 4,
                "bytes after the reply are left alone"
            );
        }
        let (bare, _) = read_all(b"220\n", 64).unwrap();
        assert_eq!((bare.code, bare.lines), (220, vec![String::new()]));
    }

    /// A peer that never sends LF is cut off at the line limit, not buffered forever.
    #[test]
    fn a_line_without_end_is_refused_at_the_limit() {
        let mut r = Reader::new();
        let mut fed = 0;
        let chunk = [b'x'; 1000];
        let err = loop {
            match r.feed(&chunk) {
                Ok((used, None)) => fed += used,
                Ok((_, Some(_))) => panic!("no reply without a line end"),
                Err(e) => break e,
            }
            assert!(fed <= MAX_LINE, "buffered {fed} bytes");
        };
        assert_eq!(err, ReplyError::LineTooLong);
        assert!(r.line.len() < MAX_LINE);
    }

    #[test]
    fn endless_continuation_lines_are_refused() {
        let line = b"250-more\r\n".repeat(MAX_LINES + 1);
        assert_eq!(read_all(&line, 512).unwrap_err(), ReplyError::TooManyLines);
    }

    #[test]
    fn garbage_and_8bit_text() {
        assert!(matches!(
            read_all(b"HTTP/1.1 400 Bad\r\n", 64),
            Err(ReplyError::NotSmtp(_))
        ));
        assert!(matches!(
            read_all(b"+25 x\r\n", 64),
            Err(ReplyError::NotSmtp(_))
        ));
        let (latin1, _) = read_all(b"220 mx.example.com ESMTP caf\xe9\r\n", 64).unwrap();
        assert_eq!(latin1.code, 220);
    }
}
