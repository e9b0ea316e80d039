package site

import (
	"encoding/json"
	"reflect"
	"strings"
)

// SchemaID is the $id of the generated schema.
const SchemaID = "https://github.com/accessctl/accessctl/docs/site-schema.json"

// Schema returns the JSON Schema (draft 2020-12) of a Site document, generated from the Go
// types so that the two cannot drift: every struct is a $defs entry that allows no other
// keys, fields neither omitempty nor optional are required, doc tags become descriptions.
func Schema() ([]byte, error) {
	defs := map[string]any{}
	root := object(reflect.TypeOf(Document{}), defs)
	props := root["properties"].(map[string]any)
	props["apiVersion"].(map[string]any)["const"] = APIVersion
	props["kind"].(map[string]any)["const"] = Kind
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "accessctl Site document"
	root["$defs"] = defs
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func object(t reflect.Type, defs map[string]any) map[string]any {
	props := map[string]any{}
	required := []string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		p := typeSchema(f.Type, defs)
		if d := f.Tag.Get("doc"); d != "" {
			p["description"] = d
		}
		if e := f.Tag.Get("enum"); e != "" {
			p["enum"] = strings.Split(e, ",")
		}
		props[name] = p
		if !strings.Contains(opts, "omitempty") && f.Tag.Get("optional") == "" {
			required = append(required, name)
		}
	}
	return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
}

func typeSchema(t reflect.Type, defs map[string]any) map[string]any {
	switch t.Kind() {
	case reflect.Struct:
		if _, ok := defs[t.Name()]; !ok {
			defs[t.Name()] = nil // reserve against recursion
			defs[t.Name()] = object(t, defs)
		}
		return map[string]any{"$ref": "#/$defs/" + t.Name()}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem(), defs)}
	case reflect.Int:
		return map[string]any{"type": "integer", "minimum": 0}
	}
	return map[string]any{"type": "string"}
}
