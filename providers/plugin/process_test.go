package plugin

import (
	"strings"
	"testing"
)

func TestStderrTail(t *testing.T) {
	cases := []struct {
		name   string
		writes []string
		want   string
	}{
		{"short", []string{"hi\n", "there\n"}, "hi\nthere\n"},
		{"exactly the limit", []string{"0123456789"}, "0123456789"},
		// When the front is cut the tail starts at a line boundary.
		{"cut at a line", []string{"aaaa\nbbbb\n", "cc\n"}, "bbbb\ncc\n"},
		{"one huge write", []string{strings.Repeat("x", 30) + "\nend\n"}, "end\n"},
		{"many small writes", strings.Split(strings.Repeat("ab\n", 20), ""), "ab\nab\nab\n"},
		{"no newline to cut at", []string{strings.Repeat("y", 25)}, "yyyyyyyyyy"},
		{"unfinished last line", []string{"a\n", "pan", "ic"}, "a\npanic"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tail := newStderrTail(10)
			for _, w := range tc.writes {
				if n, err := tail.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := tail.String(); got != tc.want {
				t.Errorf("tail = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStderrTailSkipsLogChatter(t *testing.T) {
	tail := newStderrTail(stderrTailSize)
	for _, line := range []string{
		`{"@level":"debug","@message":"plugin address","@timestamp":"2026-11-25T09:43:14Z"}`,
		`{"@caller":"x.go:1","@level":"trace","@message":"Served request"}`,
		`{"@level":"error","@message":"cannot reach the API"}`,
		"panic: boom",
		"goroutine 1 [running]:",
	} {
		_, _ = tail.Write([]byte(line))
		_, _ = tail.Write([]byte("\n"))
	}
	want := "{\"@level\":\"error\",\"@message\":\"cannot reach the API\"}\npanic: boom\ngoroutine 1 [running]:\n"
	if got := tail.String(); got != want {
		t.Errorf("tail = %q, want %q", got, want)
	}
}

func TestStderrTailInvalidUTF8(t *testing.T) {
	tail := newStderrTail(4)
	_, _ = tail.Write([]byte("\xe2\x82\xac\xe2\x82\xac")) // two euro signs; the cut splits one
	if got := tail.String(); !strings.HasSuffix(got, "€") || !strings.HasPrefix(got, "\uFFFD") {
		t.Errorf("tail = %q", got)
	}
}

func BenchmarkStderrTail(b *testing.B) {
	tail := newStderrTail(stderrTailSize)
	line := []byte(strings.Repeat("log line ", 10) + "\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		_, _ = tail.Write(line)
	}
}
