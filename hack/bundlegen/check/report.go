package check

import "fmt"

// Severity of a finding; an error fails the bundle.
type Severity string

// Severities.
const (
	Error   Severity = "ERROR"
	Warning Severity = "WARNING"
)

// Finding is one problem, named by the check that found it.
type Finding struct {
	Severity Severity
	Check    string
	Message  string
}

func (f Finding) String() string { return fmt.Sprintf("%s [%s] %s", f.Severity, f.Check, f.Message) }

// Report collects the findings of every check.
type Report struct {
	Findings []Finding
}

func (r *Report) add(sev Severity, check, format string, args ...any) {
	r.Findings = append(r.Findings, Finding{Severity: sev, Check: check, Message: fmt.Sprintf(format, args...)})
}

// Errors are the findings that fail the bundle.
func (r *Report) Errors() []Finding { return r.only(Error) }

// Warnings are the findings worth reading that do not fail it.
func (r *Report) Warnings() []Finding { return r.only(Warning) }

func (r *Report) only(s Severity) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}
