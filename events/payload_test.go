package events

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"cpr/pnr"
	"cpr/register"
)

// TestPayloadSchema: every key of the payload is described in
// event.schema.json, and related is always there, [] when the change
// rewrote nobody else, the pnrs in the register's order otherwise.
func TestPayloadSchema(t *testing.T) {
	b, err := os.ReadFile("event.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]struct {
			Description string `json:"description"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	pt := reflect.TypeFor[Payload]()
	for i := range pt.NumField() {
		key, _, _ := strings.Cut(pt.Field(i).Tag.Get("json"), ",")
		prop, ok := schema.Properties[key]
		if !ok {
			t.Errorf("payload key %q is not in event.schema.json", key)
		} else if prop.Description == "" && key != "kind" {
			t.Errorf("payload key %q has no description in event.schema.json", key)
		}
	}

	mother, father := pnr.MustParse("0101801234"), pnr.MustParse("0202801235")
	for _, c := range []struct {
		related []pnr.PNR
		want    string
	}{
		{nil, `[]`},
		{[]pnr.PNR{mother, father}, `["0101801234","0202801235"]`},
	} {
		ev := &register.Event{Kind: register.KindBirth, Related: c.related, Person: &register.Person{}}
		var got struct {
			Related json.RawMessage `json:"related"`
		}
		b, err := json.Marshal(PayloadOf(ev, nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if string(got.Related) != c.want {
			t.Errorf("related %s, want %s", got.Related, c.want)
		}
	}
}
