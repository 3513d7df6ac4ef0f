package policy

import (
	"os"
	"strings"
	"testing"
)

// TestDocsTable: the table in docs/policies.md says what the code does.
func TestDocsTable(t *testing.T) {
	b, err := os.ReadFile("../../docs/policies.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "| `") && strings.Count(line, "|") == 5 {
			cells := strings.Split(line, "|")
			rows[strings.TrimSpace(cells[1])] = line
		}
	}
	for action, m := range S3Actions {
		row := rows["`"+action+"`"]
		if row == "" {
			t.Fatalf("no row for %s", action)
		}
		for _, a := range append(m.Object, m.Bucket...) {
			if !strings.Contains(row, "`"+a+"`") {
				t.Errorf("row %s lacks %s", action, a)
			}
		}
		if !strings.Contains(row, "`"+POSIXPerms[action]+"`") {
			t.Errorf("row %s lacks POSIX %s", action, POSIXPerms[action])
		}
	}
	for action, verbs := range KubeVerbs {
		row := rows["`"+action+"`"]
		for _, v := range verbs {
			if !strings.Contains(row, "`"+v+"`") {
				t.Errorf("row %s lacks verb %s", action, v)
			}
		}
	}
	if !strings.Contains(rows["`admin`, `*`"], "`s3:*`") || !strings.Contains(rows["`admin`, `*`"], "`"+POSIXPerms["admin"]+"`") {
		t.Error("admin row out of date")
	}
}
