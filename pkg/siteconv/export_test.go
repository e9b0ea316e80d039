package siteconv

import "github.com/accessctl/accessctl/conventions"

func defaultBytes() ([]byte, error) { return conventions.Default, nil }
