//! `mtasts explain CODE`: the catalog entry for a finding code.

use std::io::Write;

use mtasts_core::catalog::{self, Code};
use serde_json::json;

use super::render::{severity_style, BOLD, DIM};
use super::{print_json, ExplainArgs, OK};

pub fn run(args: &ExplainArgs, json: bool) -> Result<u8, String> {
    let codes: Vec<Code> = if args.all {
        Code::ALL.to_vec()
    } else {
        let wanted = args.code.as_deref().unwrap_or_default();
        match (Code::parse(wanted), catalog::retired(wanted)) {
            (Some(c), _) => vec![c],
            (None, Some((c, why))) => {
                eprintln!(
                    "mtasts: {wanted} is retired: {why}; it is now {}",
                    c.as_str()
                );
                vec![c]
            }
            (None, None) => {
                let near: Vec<&str> = Code::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .filter(|c| {
                        c.contains(wanted)
                            || wanted
                                .split('.')
                                .next()
                                .is_some_and(|g| !g.is_empty() && c.starts_with(g))
                    })
                    .take(8)
                    .collect();
                let hint = if near.is_empty() {
                    "run `mtasts explain --all` for the list".to_string()
                } else {
                    format!("did you mean: {}", near.join(", "))
                };
                return Err(format!("unknown finding code \"{wanted}\"; {hint}"));
            }
        }
    };
    if args.markdown {
        super::written(write!(std::io::stdout().lock(), "{}", catalog::markdown()))?;
        return Ok(OK);
    }
    if json {
        let list: Vec<_> = codes
            .iter()
            .map(|c| {
                let i = c.info();
                json!({"code": i.code, "severity": i.severity, "title": i.title, "explanation": c.explanation(),
                       "fix": i.fix, "rfc": i.rfc, "rfc_url": catalog::rfc_url(i.rfc)})
            })
            .collect();
        if args.all {
            print_json(&list)?;
        } else {
            print_json(&list[0])?;
        }
        return Ok(OK);
    }
    let mut w = anstream::stdout().lock();
    for (n, c) in codes.iter().enumerate() {
        let i = c.info();
        let style = severity_style(i.severity);
        let r = (|| -> std::io::Result<()> {
            if n > 0 {
                writeln!(w)?;
            }
            writeln!(
                w,
                "{BOLD}{}{BOLD:#} ({style}{}{style:#}): {}",
                i.code,
                i.severity.as_str(),
                i.title
            )?;
            writeln!(w, "  {}", c.explanation())?;
            writeln!(w, "  {BOLD}fix{BOLD:#}: {}", i.fix)?;
            let url = catalog::rfc_url(i.rfc).unwrap_or_default();
            writeln!(w, "  {DIM}{} {url}{DIM:#}", i.rfc)
        })();
        super::written(r)?;
    }
    Ok(OK)
}
