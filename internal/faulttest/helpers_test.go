package faulttest

import (
	"context"

	"github.com/accessctl/accessctl/pkg/directory"
)

func setAttr(d directory.Client, dn, attr string, values ...string) error {
	return d.Modify(context.Background(), dn, []directory.Mod{{Op: directory.ModReplace, Attr: attr, Values: values}})
}
