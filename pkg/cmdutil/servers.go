package cmdutil

// Servers returns the configured servers in order (flags/config, then the conventions).
func Servers(f *Factory) []string {
	if cfg, err := f.Config(); err == nil {
		if s := cfg.List("server"); len(s) > 0 {
			return s
		}
	}
	if conv, err := f.Conventions(); err == nil {
		return conv.Servers
	}
	return nil
}
