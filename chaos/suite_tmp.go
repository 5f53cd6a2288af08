package chaos

import "time"

type NATSReport struct {
	Acknowledged, Found, Duplicates int
}
type DiskReport struct {
	Acknowledged, Found, Duplicates, ServerErrors int
}
type InputReport struct {
	Sent, ServerErrors int
	Classes            map[string]map[string]int
}
type AccessReport struct {
	Attempts, Allowed, NATSReads, ServerErrors int
}
type LoadReport struct{ HeldPerSecond float64 }
type ExtractReport struct{}

var p99Limit = 100 * time.Millisecond
