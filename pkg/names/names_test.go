package names

import (
	"errors"
	"strings"
	"testing"
)

func TestGroupUser(t *testing.T) {
	tests := []struct {
		name    string
		fn      func(string) error
		in      string
		wantErr string // "" = valid
	}{
		{"user ok", User, "jdoe", ""},
		{"user dots underscores", User, "j.doe_2", ""},
		{"user final dollar", User, "host01$", ""},
		{"user upper", User, "JDoe", `invalid user name "JDoe": must be lower case`},
		{"user empty", User, "", `invalid user name "": must not be empty`},
		{"user too long", User, strings.Repeat("a", 33), `must be at most 32 characters (is 33)`},
		{"user 32 ok", User, strings.Repeat("a", 32), ""},
		{"user leading dash", User, "-x", `must not start with "-"`},
		{"user space", User, "j doe", `character ' ' at position 2 is not allowed`},
		{"user ldap special", User, "a*)(uid=*", `character '*' at position 2 is not allowed`},
		{"user dollar middle", User, "a$b", `"$" is allowed only as the last character`},
		{"user only dollar", User, "$", `must not start with "$"`},
		{"user all digits", User, "12345", `must not be all digits`},
		{"user non ascii", User, "jdoé", `character 'é' at position 4`},
		{"group ok", Group, "hvac", ""},
		{"group upper", Group, "Hvac", `invalid group name "Hvac": must be lower case`},
		{"group 255", Group, strings.Repeat("g", 255), ""},
		{"group 256", Group, strings.Repeat("g", 256), "must be at most 255 characters"},
		{"group comma", Group, "a,b", `character ',' at position 2`},
		{"hostgroup ok", Hostgroup, "auxtel", ""},
		{"hostgroup upper", Hostgroup, "AuxTel", `invalid hostgroup name "AuxTel": must be lower case`},
		{"role ok", Role, "atadbot", ""},
		{"role sudoto", Role, "a-sudoto-b", `invalid role name "a-sudoto-b": must not contain "-sudoto-"`},
		{"role too long", Role, strings.Repeat("r", 33), "at most 32"},
		{"cluster ok", Cluster, "hvac", ""},
		{"cluster sudo", Cluster, "hvac-sudo", `invalid cluster name "hvac-sudo": must not end in "-sudo"`},
		{"cluster users", Cluster, "hvac-users", `must not end in "-users"`},
		{"cluster sudoto", Cluster, "x-sudoto-y", `must not contain "-sudoto-"`},
		{"cluster dollar", Cluster, "x$", `must not end in "$"`},
		{"cluster long", Cluster, strings.Repeat("c", 250), "at most 249"},
		{"cluster upper", Cluster, "HVAC", `invalid cluster name "HVAC": must be lower case`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fn(tt.in)
			checkErr(t, err, tt.wantErr)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	var ne *Error
	if !errors.As(err, &ne) {
		t.Fatalf("error %T is not *names.Error", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %q is not one line", err)
	}
}

func TestRule(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"conventional", "hvac-users", ""},
		{"spaces inside", "allow all admins", ""},
		{"empty", "", "must not be empty"},
		{"leading space", " x", "must not start or end with white space"},
		{"trailing tab", "x\t", "must not start or end with white space"},
		{"control", "a\x00b", "is not printable"},
		{"newline", "a\nb", "is not printable"},
		{"too long", strings.Repeat("r", 256), "at most 255"},
		{"bad utf8", "a\xffb", "valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, Rule(tt.in), tt.wantErr)
		})
	}
}

func TestHost(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"ok", "ts-csc-generic-01.cp.lsst.org", "ts-csc-generic-01.cp.lsst.org", ""},
		{"upper normalised", "TS-CSC.CP.lsst.org", "ts-csc.cp.lsst.org", ""},
		{"trailing dot", "a.example.com.", "a.example.com", ""},
		{"digits label", "01.example.com", "01.example.com", ""},
		{"short name", "localhost", "", "must be fully qualified"},
		{"empty", "", "", "must not be empty"},
		{"only dot", ".", "", "must not be empty"},
		{"empty label", "a..example.com", "", "empty label"},
		{"leading dot", ".a.com", "", "empty label"},
		{"two trailing dots", "a.com..", "", "empty label"},
		{"underscore", "a_b.example.com", "", `character '_' in label "a_b"`},
		{"leading hyphen", "-a.example.com", "", `label "-a" must not start or end with "-"`},
		{"trailing hyphen", "a-.example.com", "", `must not start or end with "-"`},
		{"long label", strings.Repeat("a", 64) + ".c", "", "at most 64"},
		{"too long", strings.Repeat("abcdefghi.", 7) + "org", "", "at most 64"},
		{"ip address", "10.0.0.1", "", "last label must not be all digits"},
		{"space", "a b.com", "", "is not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Host(tt.in)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Fatalf("Host(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHostMax(t *testing.T) {
	long := strings.Repeat("abcdefghi.", 10) + "org" // 103
	if _, err := HostMax(long, 255); err != nil {
		t.Fatalf("HostMax 255: %v", err)
	}
	if _, err := HostMax(strings.Repeat("a", 64)+".com", 255); err == nil || !strings.Contains(err.Error(), "longer than 63") {
		t.Fatalf("long label: %v", err)
	}
	if _, err := HostMax(long, 64); err == nil {
		t.Fatal("HostMax 64: no error")
	}
}

func TestService(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"ok", "HTTP/web.example.com", "HTTP/web.example.com", ""},
		{"host lowered", "ldap/IPA1.Example.COM", "ldap/ipa1.example.com", ""},
		{"realm", "nfs/a.example.com@EXAMPLE.COM", "nfs/a.example.com@EXAMPLE.COM", ""},
		{"no slash", "web.example.com", "", `must have the form "service/fqdn"`},
		{"empty svc", "/a.example.com", "", "service part must not be empty"},
		{"bad svc", "we b/a.example.com", "", "in the service part is not allowed"},
		{"two slashes", "a/b/c.example.com", "", `exactly one "/"`},
		{"short host", "http/web", "", "host part: must be fully qualified"},
		{"empty realm", "http/a.example.com@", "", "realm after"},
		{"lower realm", "http/a.example.com@example.com", "", "in the realm is not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Service(tt.in)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Fatalf("Service(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLooksPlural(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"plural", "hvacs", true},
		{"plural last word", "summit-cameras", true},
		{"singular", "hvac", false},
		{"ss", "glass", false},
		{"us", "status", false},
		{"is", "analysis", false},
		{"short", "ops", false},
		{"short last word", "eas-ccs", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LooksPlural(tt.in); got != tt.want {
				t.Fatalf("LooksPlural(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
