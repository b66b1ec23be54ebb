//! Reporting and on-time rates as DHIS2 defines them (SUP-1, SUP-4).
use super::*;

/// Reporting figures of a set of units for one period (DHIS2's definitions): expected = units
/// active at period end; received = latest version submitted or accepted (a returned report is
/// not received until resubmitted); on time = received and submitted by the due day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rates {
    pub expected: u64,
    pub received: u64,
    pub on_time: u64,
    pub returned: u64,
    /// Submitted on time but first received after the due day (an inspector judges).
    pub to_judge: u64,
    /// Units expected with nothing received.
    pub missing: Vec<String>,
    /// Units received late.
    pub late: Vec<String>,
}

impl Rates {
    pub fn add(&mut self, o: &Rates) {
        self.expected += o.expected;
        self.received += o.received;
        self.on_time += o.on_time;
        self.returned += o.returned;
        self.to_judge += o.to_judge;
        self.missing.extend(o.missing.iter().cloned());
        self.late.extend(o.late.iter().cloned());
    }

    /// Per mille, so JSON stays integral: received ÷ expected.
    pub fn reporting_permille(&self) -> Option<u64> {
        (self.expected > 0).then(|| self.received * 1000 / self.expected)
    }

    pub fn on_time_permille(&self) -> Option<u64> {
        (self.expected > 0).then(|| self.on_time * 1000 / self.expected)
    }

    /// Counts one expected unit with its latest report (if any), on time by `due`.
    pub fn count(&mut self, unit: &str, due: NaiveDate, latest: Option<(&Report, bool)>) {
        self.expected += 1;
        match latest {
            Some((r, to_judge))
                if matches!(r.state, ReportState::Submitted | ReportState::Accepted) =>
            {
                self.received += 1;
                if r.submitted_by(due) {
                    self.on_time += 1;
                } else {
                    self.late.push(unit.to_string());
                }
                if to_judge {
                    self.to_judge += 1;
                }
            }
            Some((r, _)) if matches!(r.state, ReportState::Returned { .. }) => {
                self.returned += 1;
                self.missing.push(unit.to_string());
            }
            _ => self.missing.push(unit.to_string()),
        }
    }
}
