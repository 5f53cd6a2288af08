package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"cpr/access"
	"cpr/address"
	"cpr/date"
	"cpr/extract"
	"cpr/pnr"
	"cpr/register"
	"cpr/subscription"
)

// Problem is an RFC 9457 problem document. Code is stable; scripts match
// on it. Field names the request field at fault, when there is one.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
	Detail string `json:"detail,omitempty"`
	// ClosesAt is when the day of a refused change extract ends.
	ClosesAt string `json:"closes_at,omitempty"`
}

// Errors of the HTTP layer itself.
var (
	errForbidden     = errors.New("api: your role may not do this")
	errWrongKommune  = errors.New("api: this change belongs to another kommune")
	errNotYours      = errors.New("api: citizens may only see their own data")
	errBodyTooLarge  = errors.New("api: request body too large")
	errUnknownField  = errors.New("api: unknown field in request body")
	errMalformedBody = errors.New("api: malformed request body")
	errNoRoute       = errors.New("api: no such resource")
	errMethod        = errors.New("api: method not allowed")
	errNoToken       = errors.New("api: no such token")
	errNoUser        = errors.New("api: no such user")
	errDisableSelf   = errors.New("api: an admin may not disable itself")
)

// fieldError is bad input in one field of a request.
type fieldError struct {
	field, reason string
	err           error
}

func (e *fieldError) Error() string { return "api: " + e.field + ": " + e.reason }
func (e *fieldError) Unwrap() error { return e.err }

func badField(field string, err error) error {
	return &fieldError{field: field, reason: reasonOf(err), err: err}
}

// reasonOf is the part of a lower layer's error a client may see.
func reasonOf(err error) string {
	var fe *address.FieldError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	var ie *register.InputError
	if errors.As(err, &ie) {
		return ie.Reason
	}
	return err.Error()
}

// mapping is the one table from errors to HTTP answers.
var mapping = []struct {
	err    error
	status int
	code   string
}{
	{errBodyTooLarge, http.StatusRequestEntityTooLarge, "body_too_large"},
	{errReadLimit, http.StatusTooManyRequests, "read_limit"},
	{errBodyTimeout, http.StatusRequestTimeout, "body_timeout"},
	{errUnknownField, http.StatusBadRequest, "unknown_field"},
	{errMalformedBody, http.StatusBadRequest, "malformed_body"},
	{errNoRoute, http.StatusNotFound, "no_route"},
	{errBadRequest, http.StatusBadRequest, "bad_request"},
	{errHeaderTooLarge, http.StatusRequestHeaderFieldsTooLarge, "header_too_large"},
	{errTransferCoding, http.StatusNotImplemented, "unsupported_transfer_encoding"},
	{errHTTPVersion, http.StatusHTTPVersionNotSupported, "http_version_not_supported"},
	{errExpectation, http.StatusExpectationFailed, "expectation_failed"},
	{errRawServerStatus, http.StatusBadRequest, "bad_request"},
	{errMethod, http.StatusMethodNotAllowed, "method_not_allowed"},
	{errNoToken, http.StatusNotFound, "no_such_token"},
	{errNoUser, http.StatusNotFound, "no_such_user"},
	{errDisableSelf, http.StatusConflict, "cannot_disable_self"},
	{errNoExtract, http.StatusNotFound, "no_such_extract"},
	{errExtractRunning, http.StatusConflict, "extract_not_finished"},
	{errDayNotEnded, http.StatusConflict, "day_not_ended"},
	{errDayNotStarted, http.StatusConflict, "day_not_started"},
	{errMonthNotEnded, http.StatusConflict, "month_not_ended"},
	{extract.ErrMonthOpen, http.StatusConflict, "month_not_ended"},
	{extract.ErrResearchMonthly, http.StatusUnprocessableEntity, "research_monthly"},
	{errNoResearchLive, http.StatusForbidden, "research_no_live_feed"},
	{errTooManyExtracts, http.StatusTooManyRequests, "too_many_extracts"},
	{errExtractBudget, http.StatusTooManyRequests, "extract_budget_spent"},
	{errOverBudget, http.StatusUnprocessableEntity, "extract_over_budget"},
	{subscription.ErrNotFound, http.StatusNotFound, "no_such_subscriber"},
	{subscription.ErrNoMark, http.StatusNotFound, "no_such_mark"},
	{extract.ErrForbidden, http.StatusUnprocessableEntity, "format_not_allowed"},
	{extract.ErrInvalid, http.StatusBadRequest, "invalid_input"},
	{subscription.ErrInvalid, http.StatusBadRequest, "invalid_input"},
	{subscription.ErrNotAllowed, http.StatusUnprocessableEntity, "scope_not_allowed"},
	{errForbidden, http.StatusForbidden, "forbidden"},
	{errWrongKommune, http.StatusForbidden, "wrong_kommune"},
	{register.ErrWrongKommune, http.StatusForbidden, "wrong_kommune"},
	{errNotYours, http.StatusForbidden, "not_yours"},
	{access.ErrNoToken, http.StatusUnauthorized, "unauthenticated"},
	{access.ErrExpired, http.StatusUnauthorized, "token_expired"},
	{access.ErrRevoked, http.StatusUnauthorized, "token_revoked"},
	{access.ErrNoUser, http.StatusUnauthorized, "unauthenticated"},
	{access.ErrCitizenExists, http.StatusConflict, "citizen_exists"},
	{access.ErrExists, http.StatusConflict, "exists"},
	{address.ErrUnknownRoad, http.StatusUnprocessableEntity, "unknown_road"},
	{pnr.ErrLength, http.StatusBadRequest, "invalid_pnr"},
	{pnr.ErrNonDigit, http.StatusBadRequest, "invalid_pnr"},
	{pnr.ErrDate, http.StatusBadRequest, "invalid_pnr"},
	{date.ErrInvalid, http.StatusBadRequest, "invalid_date"},
	{register.ErrIdempotencyKey, http.StatusUnprocessableEntity, "idempotency_key_reused"},
	{register.ErrNotFound, http.StatusNotFound, "person_not_found"},
	{register.ErrDead, http.StatusConflict, "person_dead"},
	{register.ErrEmigrated, http.StatusConflict, "person_emigrated"},
	{register.ErrNotActive, http.StatusConflict, "person_not_active"},
	{register.ErrNotFree, http.StatusConflict, "not_free_to_marry"},
	{register.ErrNotMarried, http.StatusConflict, "not_married"},
	{register.ErrSamePerson, http.StatusConflict, "same_person"},
	{register.ErrUnderage, http.StatusConflict, "underage"},
	{register.ErrFuture, http.StatusConflict, "effective_in_future"},
	{register.ErrTooEarly, http.StatusConflict, "effective_too_early"},
	{register.ErrExists, http.StatusConflict, "person_exists"},
	{register.ErrNotEmigrated, http.StatusConflict, "not_emigrated"},
	{register.ErrSameAddress, http.StatusConflict, "same_address"},
	{register.ErrNoSuchEntry, http.StatusConflict, "no_such_entry"},
	{register.ErrNotProtected, http.StatusConflict, "not_protected"},
	{register.ErrPNRExhausted, http.StatusConflict, "pnr_exhausted"},
	{register.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{register.ErrClosed, http.StatusServiceUnavailable, "unavailable"},
	{access.ErrInvalid, http.StatusBadRequest, "invalid_input"},
	{register.ErrInvalid, http.StatusBadRequest, "invalid_input"},
	{address.ErrInvalid, http.StatusBadRequest, "invalid_input"},
}

// problemFor answers err; anything not in the table is a 500 whose detail
// stays in the process.
func problemFor(err error) Problem {
	p := Problem{Status: http.StatusInternalServerError, Code: "internal"}
	for _, m := range mapping {
		if errors.Is(err, m.err) {
			p.Status, p.Code = m.status, m.code
			break
		}
	}
	var fe *fieldError
	var ie *register.InputError
	var ae *address.FieldError
	var xe *access.FieldError
	var se *subscription.FieldError
	switch {
	case errors.As(err, &fe):
		p.Field, p.Detail = fe.field, fe.reason
		if p.Status == http.StatusInternalServerError {
			p.Status, p.Code = http.StatusBadRequest, "invalid_input"
		}
		if errors.As(fe.err, &ae) && strings.HasSuffix(fe.field, "address") {
			p.Field = fe.field + "." + ae.Field
		}
	case errors.As(err, &ie):
		p.Field, p.Detail = ie.Field, ie.Reason
		if errors.As(err, &ae) {
			p.Field = ie.Field + "." + ae.Field
			p.Detail = ae.Reason
		}
	case errors.As(err, &xe):
		p.Field, p.Detail = xe.Field, xe.Reason
	case errors.As(err, &se):
		p.Field, p.Detail = se.Field, se.Reason
	case p.Status != http.StatusInternalServerError:
		p.Detail = err.Error()
	}
	var od *openDayError
	if errors.As(err, &od) {
		p.Field, p.Detail, p.ClosesAt = "date", od.Error(), od.closes.Format(time.RFC3339)
	}
	p.Title = http.StatusText(p.Status)
	p.Type = "https://cpr.invalid/problems/" + p.Code
	return p
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if p.Status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cpr"`)
	}
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}
