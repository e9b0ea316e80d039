package plan

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"go.yaml.in/yaml/v3"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Format is a plan rendering.
type Format string

const (
	Text   Format = "text"
	JSON   Format = "json"
	YAML   Format = "yaml"
	LDIF   Format = "ldif"
	IPA    Format = "ipa"
	Update Format = "update"
)

var (
	styleCreate = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	styleDelete = lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	styleModify = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	styleDim    = lipgloss.NewStyle().Foreground(lipgloss.Color("8"))
	styleBold   = lipgloss.NewStyle().Bold(true)
)

// Render writes the plan in format f. Text output is styled; pass a writer that
// downsamples (iostreams.StyledOut) so pipes and NO_COLOR get plain text. The formats
// meant to be applied (ldif, update, ipa) refuse a plan holding Hidden, before writing.
func Render(w io.Writer, p *Plan, f Format) error {
	if forApplying(f) {
		if err := CheckNoPlaceholder(p); err != nil {
			return err
		}
	}
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	case YAML:
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		defer enc.Close()
		return enc.Encode(p)
	case LDIF:
		return renderLDIF(w, p)
	case IPA:
		return renderIPA(w, p)
	case Update:
		return renderUpdate(w, p)
	default:
		return renderText(w, p)
	}
}

func mark(a Action) string {
	switch a {
	case Create:
		return styleCreate.Render("+")
	case Delete:
		return styleDelete.Render("-")
	case Modify:
		return styleModify.Render("~")
	case Differs:
		return styleModify.Render("!")
	default:
		return styleDim.Render("=")
	}
}

func renderText(w io.Writer, p *Plan) error {
	title := p.Title
	if p.DryRun {
		title += " (dry run)"
	}
	fmt.Fprintln(w, styleBold.Render("Plan: "+title))
	kindW, nameW := 4, 4
	for _, c := range p.Changes {
		kindW = max(kindW, len(c.Kind))
		nameW = max(nameW, utf8.RuneCountInString(c.Name))
	}
	for _, c := range p.Changes {
		label := string(c.Action)
		switch c.Action {
		case Unchanged:
			label = "already correct"
		case Differs:
			label = "differs, left alone (use --fix)"
		}
		fmt.Fprintf(w, "  %s %-*s  %-*s  %s\n", mark(c.Action), kindW, c.Kind, nameW, c.Name, styleDim.Render(label))
		switch c.Action {
		case Create:
			fmt.Fprintf(w, "      dn: %s\n", c.DN)
			for _, a := range c.Entry.Attributes {
				if strings.EqualFold(a.Name, "objectClass") {
					fmt.Fprintf(w, "      objectClass: %s\n", strings.Join(a.Values, ", "))
					continue
				}
				for _, v := range a.Values {
					fmt.Fprintf(w, "      %s: %s\n", a.Name, v)
				}
			}
		case Modify:
			fmt.Fprintf(w, "      dn: %s\n", c.DN)
			for _, m := range c.Mods {
				sign := map[directory.ModOp]string{directory.ModAdd: "+", directory.ModDelete: "-", directory.ModReplace: "="}[m.Op]
				if len(m.Values) == 0 {
					fmt.Fprintf(w, "      %s %s (all values)\n", sign, m.Attr)
				}
				for _, v := range m.Values {
					fmt.Fprintf(w, "      %s %s: %s\n", sign, m.Attr, v)
				}
			}
		case Delete:
			fmt.Fprintf(w, "      dn: %s\n", c.DN)
		}
		for _, n := range c.Notes {
			fmt.Fprintf(w, "      %s\n", styleDim.Render(n))
		}
	}
	for _, i := range p.Info {
		fmt.Fprintf(w, "  %s\n", i)
	}
	for _, wn := range p.Warnings {
		fmt.Fprintf(w, "  %s %s\n", styleModify.Render("warning:"), wn)
	}
	n := p.Counts()
	if p.Empty() {
		fmt.Fprintf(w, "No changes: %d object(s) already correct", n[Unchanged])
		if n[Differs] > 0 {
			fmt.Fprintf(w, ", %d differ", n[Differs])
		}
		fmt.Fprintln(w, ".")
		return nil
	}
	fmt.Fprintf(w, "%d to create, %d to modify, %d to delete, %d unchanged", n[Create], n[Modify], n[Delete], n[Unchanged])
	if n[Differs] > 0 {
		fmt.Fprintf(w, ", %d differ", n[Differs])
	}
	fmt.Fprintln(w, ".")
	return nil
}

// ldifValue writes "attr: value" or "attr:: base64" as RFC 2849 requires.
func ldifValue(attr, v string) string {
	if needsBase64(v) {
		return attr + ":: " + base64.StdEncoding.EncodeToString([]byte(v))
	}
	return attr + ": " + v
}

func needsBase64(v string) bool {
	if v == "" {
		return false
	}
	if v[0] == ' ' || v[0] == ':' || v[0] == '<' || v[len(v)-1] == ' ' {
		return true
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return true
		}
	}
	return false
}

func renderLDIF(w io.Writer, p *Plan) error {
	for _, c := range p.Pending() {
		fmt.Fprintf(w, "# %s %s %s\n", c.Action, c.Kind, c.Name)
		fmt.Fprintln(w, ldifValue("dn", c.DN))
		switch c.Action {
		case Create:
			fmt.Fprintln(w, "changetype: add")
			for _, a := range c.Entry.Attributes {
				for _, v := range a.Values {
					fmt.Fprintln(w, ldifValue(a.Name, v))
				}
			}
		case Modify:
			fmt.Fprintln(w, "changetype: modify")
			for _, m := range c.Mods {
				fmt.Fprintf(w, "%s: %s\n", m.Op, m.Attr)
				for _, v := range m.Values {
					fmt.Fprintln(w, ldifValue(m.Attr, v))
				}
				fmt.Fprintln(w, "-")
			}
		case Delete:
			fmt.Fprintln(w, "changetype: delete")
		}
		fmt.Fprintln(w)
	}
	return nil
}

func renderIPA(w io.Writer, p *Plan) error {
	for _, c := range p.Pending() {
		if len(c.IPA) == 0 {
			fmt.Fprintf(w, "# %s %s %s: no ipa command; apply with accessctl or --emit ldif\n", c.Action, c.Kind, c.Name)
			continue
		}
		for _, cmd := range c.IPA {
			fmt.Fprintln(w, cmd)
		}
	}
	return nil
}

// renderUpdate writes ipa-ldap-updater format (ITTN-010 §7.3): "add:attr:value" lines.
func renderUpdate(w io.Writer, p *Plan) error {
	for _, c := range p.Pending() {
		fmt.Fprintf(w, "dn: %s\n", c.DN)
		switch c.Action {
		case Create:
			for _, a := range c.Entry.Attributes {
				for _, v := range a.Values {
					fmt.Fprintf(w, "add:%s:%s\n", a.Name, v)
				}
			}
		case Modify:
			for _, m := range c.Mods {
				switch m.Op {
				case directory.ModAdd:
					for _, v := range m.Values {
						fmt.Fprintf(w, "add:%s:%s\n", m.Attr, v)
					}
				case directory.ModDelete:
					if len(m.Values) == 0 {
						fmt.Fprintf(w, "remove:%s:*\n", m.Attr)
					}
					for _, v := range m.Values {
						fmt.Fprintf(w, "remove:%s:%s\n", m.Attr, v)
					}
				case directory.ModReplace:
					for _, v := range m.Values {
						fmt.Fprintf(w, "only:%s:%s\n", m.Attr, v)
					}
				}
			}
		case Delete:
			fmt.Fprintln(w, "deleteentry:")
		}
		fmt.Fprintln(w)
	}
	return nil
}

// ShellQuote quotes s for a POSIX shell when needed (for --emit ipa).
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == '=' || r == ',' || r == ':' || r == '@' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
