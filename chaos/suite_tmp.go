package chaos

import "time"

type NATSReport struct {
	Acknowledged, Found, Duplicates int
}
type LoadReport struct{ HeldPerSecond float64 }
type ExtractReport struct{}

var p99Limit = 100 * time.Millisecond
