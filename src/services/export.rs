//! The report as a file: what the CLI's `check --json` prints, plus the raw inputs it was made
//! from and the time (the page's "Download the report (JSON)"). Runs in the tools module, which
//! makes the report again from the inputs (`mtasts_core::check` is a pure function of them).

use mtasts_core::inputs::Inputs;

use crate::history::date;

/// The saved report's JSON text for these inputs (JSON text too).
pub fn report_json(inputs_json: &str) -> Result<String, String> {
    let inputs: Inputs = serde_json::from_str(inputs_json).map_err(|e| e.to_string())?;
    let report = mtasts_core::check(&inputs);
    let mut v = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "inputs".into(),
            serde_json::to_value(&inputs).map_err(|e| e.to_string())?,
        );
        if let Some(now) = inputs.now {
            o.insert("checked_at".into(), date(now).into());
        }
    }
    serde_json::to_string_pretty(&v).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_report_reopens_as_the_same_check() {
        let mut inputs = Inputs::new("example.com");
        inputs.now = Some(1_800_000_000);
        let text = report_json(&serde_json::to_string(&inputs).unwrap()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["domain"], "example.com");
        assert_eq!(
            v["overall"],
            mtasts_core::check(&inputs).overall.name(),
            "{text}"
        );
        assert!(
            v["checked_at"]
                .as_str()
                .is_some_and(|d| d.starts_with("2027-01-15")),
            "{text}"
        );
        assert_eq!(
            crate::services::snapshot::inputs_from(text.as_bytes()).unwrap(),
            inputs
        );
        assert!(report_json("{").is_err());
    }
}
