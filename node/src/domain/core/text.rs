//! Checks of free text that people enter.
use crate::domain::core::refusal::Refusal;

/// Text field limits shared by the commands: required, at most `max` characters, no control
/// characters but newlines.
pub fn check_text(field: &str, v: &str, max: usize, required: bool) -> Result<(), Refusal> {
    if required && v.trim().is_empty() {
        return Err(Refusal::new("INPUT", format!("{field} is required")));
    }
    let n = v.chars().count();
    if n > max {
        return Err(Refusal::new(
            "INPUT",
            format!("{field} has {n} characters; at most {max} allowed"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Refusal::new(
            "INPUT",
            format!("{field} contains control characters"),
        ));
    }
    Ok(())
}
