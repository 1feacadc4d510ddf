package ray

import (
	"bufio"
	"os"
	"strings"
	"time"
)

// gcsRestartedLog is what a raylet logs when a restarted GCS tells it so.
const gcsRestartedLog = "The GCS has restarted"

// rayLogTime is the layout of the timestamp Ray's C++ components put at the
// start of each log line ("[2006-01-02 15:04:05,000 I pid tid] ..."), in
// local time.
const rayLogTime = "2006-01-02 15:04:05,000"

// LogLineTime returns the time of the last line of a Ray log that contains
// substr.
func LogLineTime(path, substr string) (time.Time, bool) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, false
	}
	defer func() { _ = f.Close() }()
	var at time.Time
	found := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, substr) || len(line) < len(rayLogTime)+1 || line[0] != '[' {
			continue
		}
		if t, err := time.ParseInLocation(rayLogTime, line[1:1+len(rayLogTime)], time.Local); err == nil {
			at, found = t, true
		}
	}
	return at, found
}
