package api

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
)

// fieldName is what a field name of ours looks like; anything else sent
// as a key (a pnr, say) is never echoed back.
var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// unknownFieldPath finds the first key of body that v (a pointer to a
// request struct) does not have, with its path ("address.floor"), or ""
// if it cannot be named safely.
func unknownFieldPath(body []byte, v any) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	return unknownIn(m, reflect.TypeOf(v), "")
}

func unknownIn(m map[string]any, t reflect.Type, prefix string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		fields[tag] = t.Field(i).Type
	}
	for k, val := range m {
		ft, ok := fields[k]
		if !ok {
			if fieldName.MatchString(k) {
				return prefix + k
			}
			return ""
		}
		if sub, isMap := val.(map[string]any); isMap {
			if name := unknownIn(sub, ft, prefix+k+"."); name != "" {
				return name
			}
		}
	}
	return ""
}
