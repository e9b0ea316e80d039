package completion

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// cacheVersion changes when the file format does; other versions are ignored.
const cacheVersion = 1

type cacheFile struct {
	Version int                   `json:"version"`
	Target  string                `json:"target"`
	Kinds   map[string]*cacheKind `json:"kinds"`
}

type cacheKind struct {
	Fetched time.Time `json:"fetched"`
	Items   []Item    `json:"items"`
}

func (c *cacheFile) put(kind string, items []Item, fetched time.Time) {
	if c.Kinds == nil {
		c.Kinds = map[string]*cacheKind{}
	}
	if items == nil {
		items = []Item{}
	}
	c.Kinds[kind] = &cacheKind{Fetched: fetched.UTC(), Items: items}
}

// CacheDir is where completion caches live: $XDG_CACHE_HOME/accessctl (os.UserCacheDir).
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "accessctl"), nil
}

func cachePath(t target) (string, error) {
	d, err := CacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "completion-"+t.key()+".json"), nil
}

// loadCache returns the cache, or an empty one when missing, unreadable or of
// another version.
func loadCache(path string) *cacheFile {
	c := &cacheFile{Version: cacheVersion}
	data, err := os.ReadFile(path)
	if err != nil {
		return c
	}
	var got cacheFile
	if json.Unmarshal(data, &got) != nil || got.Version != cacheVersion {
		return c
	}
	return &got
}

// saveCache writes the cache atomically (temporary file + rename), private to the user.
func saveCache(path string, c *cacheFile) error {
	c.Version = cacheVersion
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
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
