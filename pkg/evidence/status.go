package evidence

import (
	"encoding/json"
	"fmt"
)

// Status is the outcome of a check or a whole step.
type Status string

// Statuses, from best to worst.
const (
	StatusPass  Status = "pass"
	StatusWarn  Status = "warn"
	StatusFail  Status = "fail"
	StatusError Status = "error"
)

func (s Status) rank() int {
	switch s {
	case StatusPass:
		return 0
	case StatusWarn:
		return 1
	case StatusFail:
		return 2
	case StatusError:
		return 3
	}
	return 3 // an unknown status is treated as the worst: fail closed
}

// Worst combines statuses: error > fail > warn > pass.
func Worst(statuses ...Status) Status {
	worst := StatusPass
	for _, s := range statuses {
		if s.rank() > worst.rank() {
			worst = s
		}
	}
	return worst
}

// Failed reports whether the status blocks: fail or error.
func (s Status) Failed() bool { return s.rank() >= StatusFail.rank() }

// ForSeverity is the status of a check that did not pass: a warn-severity check
// warns, anything else fails.
func ForSeverity(sev Severity) Status {
	if sev == SeverityWarn {
		return StatusWarn
	}
	return StatusFail
}

// UnmarshalJSON accepts only the four statuses.
func (s *Status) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch Status(v) {
	case StatusPass, StatusWarn, StatusFail, StatusError:
		*s = Status(v)
		return nil
	}
	return fmt.Errorf("unknown status %q (want pass, warn, fail or error)", v)
}
