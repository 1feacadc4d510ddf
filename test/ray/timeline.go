package ray

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Timeline records when the steps of a scenario happened.
type Timeline struct {
	Start time.Time
	Steps []Step
}

// Step is one recorded moment.
type Step struct {
	Name string
	At   time.Time
	Note string
}

// NewTimeline starts a timeline at start.
func NewTimeline(start time.Time) *Timeline { return &Timeline{Start: start} }

// Mark records a step.
func (tl *Timeline) Mark(name string, at time.Time, note string) {
	tl.Steps = append(tl.Steps, Step{Name: name, At: at, Note: note})
}

// Since is the time from the timeline's start to the named step, or -1.
func (tl *Timeline) Since(name string) time.Duration {
	for _, s := range tl.Steps {
		if s.Name == name {
			return s.At.Sub(tl.Start)
		}
	}
	return -1
}

// Markdown renders the steps in time order as a table: time since the start
// and since the previous step.
func (tl *Timeline) Markdown() string {
	var b strings.Builder
	b.WriteString("| step | since start | since previous step | note |\n|---|---:|---:|---|\n")
	steps := slices.Clone(tl.Steps)
	slices.SortStableFunc(steps, func(a, b Step) int { return a.At.Compare(b.At) })
	prev := tl.Start
	for _, s := range steps {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", s.Name, seconds(s.At.Sub(tl.Start)), seconds(s.At.Sub(prev)), s.Note)
		prev = s.At
	}
	return b.String()
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
