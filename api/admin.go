package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"cpr/access"
	"cpr/address"
	"cpr/register"
	"cpr/wire"
)

func (s *Server) postUser(c *call) error {
	var b struct {
		ID         string `json:"id"`
		Role       string `json:"role"`
		Kommune    string `json:"kommune"`
		PNR        string `json:"pnr"`
		Subscriber string `json:"subscriber"`
		Name       string `json:"name"`
	}
	if _, err := c.decode(&b); err != nil {
		return err
	}
	u := access.User{ID: b.ID, Role: access.Role(b.Role), Subscriber: b.Subscriber, Name: b.Name}
	var err error
	if b.Kommune != "" {
		if u.Kommune, err = address.ParseKommunekode(b.Kommune); err != nil {
			return badField("kommune", err)
		}
	}
	if u.PNR, err = parsePNR("pnr", b.PNR, false); err != nil {
		return err
	}
	u, err = s.acc.CreateUser(u)
	if err != nil {
		return err
	}
	c.target, c.pnr = "user:"+u.ID+" role:"+string(u.Role), u.PNR
	return c.json(http.StatusCreated, userJSON(u))
}

func userJSON(u access.User) map[string]any {
	out := map[string]any{"id": u.ID, "role": u.Role, "created": u.Created}
	if u.Kommune != 0 {
		out["kommune"] = wire.Code4(u.Kommune)
	}
	if !u.PNR.IsZero() {
		out["pnr"] = u.PNR.String()
	}
	if u.Subscriber != "" {
		out["subscriber"] = u.Subscriber
	}
	if u.Name != "" {
		out["name"] = u.Name
	}
	if u.Disabled {
		out["disabled"] = true
	}
	return out
}

func (s *Server) listUsers(c *call) error {
	us, err := s.acc.Users()
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, u := range us {
		out = append(out, userJSON(u))
	}
	return c.json(http.StatusOK, map[string]any{"users": out})
}

// patchUser disables or enables a user: a disabled user's tokens are
// refused until it is enabled again.
func (s *Server) patchUser(c *call) error {
	var b struct {
		Disabled *bool `json:"disabled"`
	}
	if _, err := c.decode(&b); err != nil {
		return err
	}
	if b.Disabled == nil {
		return &fieldError{field: "disabled", reason: "is required (true or false)", err: register.ErrInvalid}
	}
	id := c.r.PathValue("id")
	if *b.Disabled && id == c.user.ID {
		// So an admin never locks itself out, and one admin always stays.
		return &fieldError{field: "id", reason: "is your own user", err: errDisableSelf}
	}
	if err := s.acc.SetDisabled(id, *b.Disabled); errors.Is(err, access.ErrNoUser) {
		return errNoUser
	} else if err != nil {
		return err
	}
	u, err := s.acc.User(id)
	if err != nil {
		return err
	}
	c.target, c.pnr = "user:"+u.ID+" disabled:"+strconv.FormatBool(u.Disabled), u.PNR
	return c.json(http.StatusOK, userJSON(u))
}

func (s *Server) postToken(c *call) error {
	var b struct {
		User     string  `json:"user"`
		TTLHours float64 `json:"ttl_hours"`
	}
	if _, err := c.decode(&b); err != nil {
		return err
	}
	if b.User == "" {
		return &fieldError{field: "user", reason: "is required", err: register.ErrInvalid}
	}
	if b.TTLHours < 0 {
		return &fieldError{field: "ttl_hours", reason: "must not be negative", err: register.ErrInvalid}
	}
	c.renames = map[string]string{"ttl": "ttl_hours"}
	secret, t, err := s.acc.IssueTokenBy(c.user.ID, b.User, time.Duration(b.TTLHours*float64(time.Hour)))
	if errors.Is(err, access.ErrNoUser) {
		return &fieldError{field: "user", reason: "no such user", err: errNoUser}
	}
	if err != nil {
		return err
	}
	// Who minted it (the entry's user and token) and for whom.
	c.target = "user:" + t.User + " token:" + t.ID
	return c.json(http.StatusCreated, map[string]any{"token": secret, "id": t.ID, "user": t.User, "expires": t.Expires})
}

func (s *Server) revokeToken(c *call) error {
	if err := s.acc.RevokeToken(c.r.PathValue("id")); errors.Is(err, access.ErrNoToken) {
		return errNoToken
	} else if err != nil {
		return err
	}
	c.status = http.StatusNoContent
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}
