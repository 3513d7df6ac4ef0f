package local

import "testing"

func TestParseEntry(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want: the canonical entry, or "" for an error
	}{
		{"u:alice:r-X", "u:alice:r-X"},
		{"user:alice:rX", "u:alice:r-X"},
		{"g:cms:rwX", "g:cms:rwX"},
		{"group:cms:Xwr", "g:cms:rwX"},
		{"u:1001:5", "u:1001:r-x"},
		{"u:alice:-", "u:alice:---"},
		{"u:alice:---", "u:alice:---"},
		{"u:alice:rr", ""},
		{"u:alice:xX", ""},
		{"u:alice:8", ""},
		{"u::rwx", ""},
		{"o::r", ""},
		{"m::r", ""},
		{"d:u:alice:r", ""},
		{"u:al ice:r", ""},
		{"u:a,b:r", ""},
		{"alice:r", ""},
	} {
		e, err := parseEntry(tc.in)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("parseEntry(%q) = %v, want an error", tc.in, e)
		case tc.want != "" && err != nil:
			t.Errorf("parseEntry(%q): %v", tc.in, err)
		case tc.want != "" && e.String() != tc.want:
			t.Errorf("parseEntry(%q) = %s, want %s", tc.in, e, tc.want)
		}
	}
	e, _ := parseEntry("u:alice:r-X")
	for _, tc := range []struct {
		dir, exec bool
		want      string
	}{{true, false, "r-x"}, {false, true, "r-x"}, {false, false, "r--"}} {
		if got := e.resolve(tc.dir, tc.exec); got != tc.want {
			t.Errorf("resolve(dir %v, exec %v) = %s, want %s", tc.dir, tc.exec, got, tc.want)
		}
	}
}

func TestParseGetfacl(t *testing.T) {
	out := "# file: /site/data\n# owner: 0\n# group: 0\nuser::rwx\nuser:1001:r-x\t#effective:r-x\ngroup::r-x\t#effective:r-x\n" +
		"group:1002:rwx\t#effective:r-x\nmask::r-x\nother::---\ndefault:user::rwx\ndefault:user:1001:r-x\t#effective:r-x\n" +
		"default:group::r-x\t#effective:r-x\ndefault:mask::r-x\ndefault:other::---\n\n" +
		"# file: /site/a\\040b\\\\c\n# owner: 0\n# group: 0\nuser::rw-\ngroup::r--\nother::r--\n\n"
	got := map[string]*fileACL{}
	if err := parseGetfacl([]byte(out), got); err != nil {
		t.Fatal(err)
	}
	d := got["/site/data"]
	if d == nil || d.named["u:1001"] != "r-x" || d.named["g:1002"] != "r-x" || d.defaults["u:1001"] != "r-x" ||
		d.base["user"] != "rwx" || d.base["other"] != "---" || !d.execByBase() || len(d.named) != 2 || len(d.defaults) != 1 {
		t.Errorf("data = %+v", d)
	}
	f := got[`/site/a b\c`]
	if f == nil || f.execByBase() || len(f.named) != 0 {
		t.Errorf("escaped name: %+v (have %v)", f, got)
	}
}

func FuzzParseEntry(f *testing.F) {
	for _, s := range []string{"u:alice:r-X", "group:cms:7", "o::r", "d:u:a:r", "u:a:rwxX"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseEntry(s)
		if err != nil {
			return
		}
		again, err := parseEntry(e.String())
		if err != nil || again != e {
			t.Fatalf("%q -> %s -> %v, %v", s, e, again, err)
		}
	})
}
