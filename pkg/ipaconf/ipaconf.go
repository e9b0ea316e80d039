// Package ipaconf reads an IPA client's /etc/ipa/default.conf: the servers, base DN,
// realm and domain the host was enrolled with.
package ipaconf

import (
	"bufio"
	"fmt"
	"net/url"
	"strings"

	"github.com/accessctl/accessctl/pkg/inputfile"
)

// Conf is what accessctl reads from /etc/ipa/default.conf ([global] section).
type Conf struct {
	Server    string
	XMLRPCURI string
	BaseDN    string
	Realm     string
	Domain    string
}

// DefaultPath is where FreeIPA clients keep their configuration.
const DefaultPath = "/etc/ipa/default.conf"

// Read parses the [global] section of an IPA default.conf.
func Read(path string) (*Conf, error) {
	f, err := inputfile.Open(path, inputfile.IPAConf)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &Conf{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
			continue
		}
		if section != "global" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "server":
			c.Server = v
		case "xmlrpc_uri":
			c.XMLRPCURI = v
		case "basedn":
			c.BaseDN = v
		case "realm":
			c.Realm = v
		case "domain":
			c.Domain = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return c, nil
}

// Servers returns ldaps URLs for the configured server and the host of xmlrpc_uri.
func (c *Conf) Servers() []string {
	var out []string
	add := func(host string) {
		host = strings.TrimSuffix(strings.TrimSpace(host), ".")
		if host == "" {
			return
		}
		u := "ldaps://" + host
		for _, s := range out {
			if strings.EqualFold(s, u) {
				return
			}
		}
		out = append(out, u)
	}
	add(c.Server)
	if c.XMLRPCURI != "" {
		if u, err := url.Parse(c.XMLRPCURI); err == nil {
			add(u.Hostname())
		}
	}
	return out
}
