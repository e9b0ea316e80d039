package completion

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// cacheVersion changes when the file format does; other versions are ignored.
const cacheVersion = 2

// cacheKind is one file: the names of one kind from one directory. Items are stored as
// "name description" strings (directory names hold no spaces), which need no escaping
// and decode far faster than objects: a TAB over 50,000 users must stay well under 30 ms.
type cacheKind struct {
	Version int       `json:"version"`
	Target  string    `json:"target"`
	Kind    string    `json:"kind"`
	Fetched time.Time `json:"fetched"`
	Items   []string  `json:"items"`
}

func (k *cacheKind) items() []Item {
	out := make([]Item, len(k.Items))
	for i, s := range k.Items {
		name, desc, _ := strings.Cut(s, " ")
		out[i] = Item{Name: name, Desc: desc}
	}
	return out
}

// CacheDir is where completion caches live: $XDG_CACHE_HOME/accessctl (os.UserCacheDir).
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "accessctl"), nil
}

// cacheBase is the common prefix of a directory's cache files.
func cacheBase(t target) (string, error) {
	d, err := CacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "completion-"+t.key()), nil
}

func kindPath(base, kind string) string { return base + "-" + kind + ".json" }

// loadKind returns the cached names of kind, or nil when missing, unreadable or of
// another version.
func loadKind(base, kind string) *cacheKind {
	data, err := os.ReadFile(kindPath(base, kind))
	if err != nil {
		return nil
	}
	k, ok := parseFast(data)
	if !ok {
		k = &cacheKind{}
		if json.Unmarshal(data, k) != nil {
			return nil
		}
	}
	if k.Version != cacheVersion || k.Kind != kind {
		return nil
	}
	return k
}

// parseFast reads the layout saveKind writes (a header line ending in `"items":[`, one
// JSON string per line, then `]}`) without a general JSON decoder: several times faster
// on 50,000 names. Anything else falls back to encoding/json.
func parseFast(data []byte) (*cacheKind, bool) {
	text := string(data)
	nl := strings.IndexByte(text, '\n')
	if nl < 0 || !strings.HasSuffix(text[:nl], `"items":[`) {
		return nil, false
	}
	var k cacheKind
	if json.Unmarshal([]byte(text[:nl]+"]}"), &k) != nil {
		return nil, false
	}
	rest := text[nl+1:]
	end := strings.LastIndex(rest, "]}")
	if end < 0 {
		return nil, false
	}
	rest = rest[:end]
	k.Items = make([]string, 0, strings.Count(rest, "\n"))
	for len(rest) > 0 {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		line = strings.TrimSuffix(line, ",")
		if line == "" {
			continue
		}
		if len(line) < 2 || line[0] != '"' || line[len(line)-1] != '"' {
			return nil, false
		}
		if !strings.ContainsRune(line, '\\') {
			k.Items = append(k.Items, line[1:len(line)-1])
			continue
		}
		var v string
		if json.Unmarshal([]byte(line), &v) != nil {
			return nil, false
		}
		k.Items = append(k.Items, v)
	}
	return &k, true
}

// saveKind writes one kind atomically (temporary file + rename), private to the user.
func saveKind(base, target, kind string, items []Item, fetched time.Time) error {
	k := cacheKind{Version: cacheVersion, Target: target, Kind: kind, Fetched: fetched.UTC(), Items: make([]string, len(items))}
	for i, it := range items {
		k.Items[i] = strings.ReplaceAll(it.Name, " ", "_")
		if it.Desc != "" {
			k.Items[i] += " " + oneLine(it.Desc)
		}
	}
	path := kindPath(base, kind)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	// Header on the first line, one name per line: valid JSON that parseFast reads fast.
	lines := k.Items
	k.Items = nil
	head, err := json.Marshal(&k)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.Grow(len(head) + 32*len(lines))
	b.Write(head[:len(head)-len(`null}`)])
	b.WriteString("[\n")
	for i, line := range lines {
		q, err := json.Marshal(line)
		if err != nil {
			return err
		}
		b.Write(q)
		if i < len(lines)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	data := []byte(b.String())
	tmp, err := os.CreateTemp(filepath.Dir(path), ".completion-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
