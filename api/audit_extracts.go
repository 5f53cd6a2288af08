package api

import (
	"net/http"

	"cpr/access"
	"cpr/date"
	"cpr/extract"
)

// auditDownload writes the access log entry of an extract file about to
// be sent: who (the entry's user and token), which subscriber, which file
// (a change extract's day and format, or a status extract's id, day and
// format) and how many persons it holds. Like every read of person data
// it is written before the data leaves, and a failure to write answers
// 503 instead of the file.
func (c *call) auditDownload(subscriber, file string, day date.Date, f extract.Format, persons int) error {
	return c.logAccess(access.Entry{Outcome: access.OutcomeRead, Status: http.StatusOK, Persons: persons,
		Target: "subscriber:" + subscriber + " " + file + " date:" + day.String() + " format:" + string(f)})
}
