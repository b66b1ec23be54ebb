//! Checks of free text that people enter.
use crate::domain::core::refusal::Refusal;

/// Text field limits shared by the commands: required, at most `max` characters, no control
/// characters but newlines.
pub fn check_text(field: &str, v: &str, max: usize, required: bool) -> Result<(), Refusal> {
    if required && v.trim().is_empty() {
        return Err(Refusal::new("INPUT", format!("{field} 为必填项")));
    }
    let n = v.chars().count();
    if n > max {
        return Err(Refusal::new(
            "INPUT",
            format!("{field} 有 {n} 个字符，最多允许 {max} 个"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Refusal::new("INPUT", format!("{field} 含有控制字符")));
    }
    Ok(())
}
