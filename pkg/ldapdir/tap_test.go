package ldapdir

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"github.com/accessctl/accessctl/pkg/directory"
)

// pagingServer answers every search on conn with an entry for each of names, two per
// page with RFC 2696 cookies; the entry named "garbled" has values of the wrong BER type.
func pagingServer(t *testing.T, conn net.Conn, names []string) {
	t.Helper()
	go func() {
		defer conn.Close()
		sent := map[string]int{} // by cookie: how many entries went out
		for {
			p, err := ber.ReadPacket(conn)
			if err != nil {
				return
			}
			id := p.Children[0].Value.(int64)
			op := p.Children[1]
			if op.Tag != ldap.ApplicationSearchRequest {
				continue
			}
			cookie := ""
			if len(p.Children) > 2 {
				for _, c := range p.Children[2].Children {
					if ctl, err := ldap.DecodeControl(c); err == nil {
						if pg, ok := ctl.(*ldap.ControlPaging); ok {
							cookie = string(pg.Cookie)
						}
					}
				}
			}
			from := sent[cookie]
			to := min(from+2, len(names))
			for _, n := range names[from:to] {
				conn.Write(entryPacket(id, n).Bytes())
			}
			done := envelope(id)
			res := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultDone, nil, "")
			res.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, 0, ""))
			res.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
			res.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", ""))
			done.AppendChild(res)
			next := ""
			if to < len(names) {
				next = fmt.Sprintf("page%d", to)
				sent[next] = to
			}
			ctl := ldap.NewControlPaging(0)
			ctl.SetCookie([]byte(next))
			ctls := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "")
			ctls.AppendChild(ctl.Encode())
			done.AppendChild(ctls)
			conn.Write(done.Bytes())
		}
	}()
}

func envelope(id int64) *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	return p
}

func entryPacket(id int64, cn string) *ber.Packet {
	p := envelope(id)
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "cn="+cn+",dc=example,dc=test", ""))
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	for _, a := range [][]string{{"objectClass", "top", "ipausergroup"}, {"cn", cn}} {
		pa := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
		pa.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a[0], ""))
		vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "")
		for _, v := range a[1:] {
			if cn == "garbled" {
				vals.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 1, ""))
				continue
			}
			vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v, ""))
		}
		pa.AppendChild(vals)
		attrs.AppendChild(pa)
	}
	op.AppendChild(attrs)
	p.AppendChild(op)
	return p
}

func tapClient(t *testing.T, names []string) *Client {
	t.Helper()
	cli, srv := net.Pipe()
	pagingServer(t, srv, names)
	c := &Client{server: "pipe", timeout: 5 * time.Second, page: 2, raw: cli}
	c.start(cli, false)
	t.Cleanup(func() { c.Close() })
	return c
}

// The tap decodes the entries of paged searches itself; the paging cookies still reach
// go-ldap, and a search made straight through go-ldap (not armed) gets its entries as
// before.
func TestTapPagedSearch(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e"}
	c := tapClient(t, names)
	for round := range 2 { // the tap's state is clean after a search
		got, err := c.Search(context.Background(), directory.SearchRequest{BaseDN: "dc=example,dc=test", Scope: directory.ScopeSub, Filter: "(cn=*)", Attributes: []string{"cn"}})
		if err != nil {
			t.Fatal(err)
		}
		var cns []string
		for _, e := range got {
			cns = append(cns, e.First("cn"))
			if want := []string{"top", "ipausergroup"}; !reflect.DeepEqual(e.Get("objectClass"), want) {
				t.Fatalf("objectClass = %q", e.Get("objectClass"))
			}
		}
		if !reflect.DeepEqual(cns, names) {
			t.Fatalf("round %d: entries %q, want %q", round, cns, names)
		}
	}
	if n := c.Ops(); n != 6 {
		t.Errorf("%d operations, want 6 (two searches of three pages)", n)
	}
	res, err := c.conn.Search(ldap.NewSearchRequest("dc=example,dc=test", ldap.ScopeWholeSubtree, 0, 0, 0, false, "(cn=*)", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 || res.Entries[1].GetAttributeValue("cn") != "b" {
		t.Fatalf("unarmed search through go-ldap: %d entries", len(res.Entries))
	}
}

func TestTapMalformedEntry(t *testing.T) {
	c := tapClient(t, []string{"a", "garbled", "c"})
	_, err := c.Search(context.Background(), directory.SearchRequest{BaseDN: "dc=example,dc=test", Scope: directory.ScopeSub, Filter: "(cn=*)"})
	if err == nil || !strings.Contains(err.Error(), "decoding a search result entry") {
		t.Fatalf("err = %v, want a decoding error", err)
	}
}
