//! Small text helpers for the views. Numbers are formatted with integer arithmetic rather than
//! `{:.1}`: core's float formatting adds about 11 KB to the wasm bundle.

use mtasts_core::inputs::TlsError;

/// `value` with `decimals` digits after the point (0 to 3), rounded half away from zero.
pub fn fixed(value: f64, decimals: u32) -> String {
    let scale = 10i64.pow(decimals.min(3));
    let n = (value * scale as f64).round() as i64;
    let (sign, n) = if n < 0 { ("-", -n) } else { ("", n) };
    if decimals == 0 {
        return format!("{sign}{n}");
    }
    format!(
        "{sign}{}.{:0width$}",
        n / scale,
        n % scale,
        width = decimals.min(3) as usize
    )
}

/// A TLS failure in words.
pub fn tls_error(e: &TlsError) -> String {
    match e {
        TlsError::Expired => "the certificate has expired".into(),
        TlsError::NotYetValid => "the certificate is not valid yet".into(),
        TlsError::NameMismatch => "the certificate is for another name".into(),
        TlsError::Untrusted(w) => format!("the certificate is not trusted: {w}"),
        TlsError::ProtocolVersion => "only TLS versions older than 1.2 are offered".into(),
        TlsError::Handshake(w) => format!("the handshake failed: {w}"),
    }
}

#[cfg(test)]
mod tests {
    use super::fixed;

    #[test]
    fn fixed_rounds_like_format() {
        assert_eq!(fixed(1.25, 1), "1.3");
        assert_eq!(fixed(0.04, 1), "0.0");
        assert_eq!(fixed(12.0, 2), "12.00");
        assert_eq!(fixed(5.381, 2), "5.38");
        assert_eq!(fixed(-0.26, 1), "-0.3");
        assert_eq!(fixed(3.6, 0), "4");
    }
}
