package rank_test

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/rank"
)

func TestFormatQuantity(t *testing.T) {
	cases := []struct {
		res  string
		v    float64
		want string
	}{
		{"cpus", 400, "400"},
		{"cpus", 0.5, "0.5"},
		{"cpus", 1.0 / 3, "0.333"},
		{"memory", 1.5 * (1 << 40), "1.5TiB"},
		{"memory", 398 << 30, "398GiB"},
		{"storage", 512, "512B"},
		{"scratch_bytes", 3 << 20, "3MiB"},
		{"gpus", 0, "0"},
	}
	for _, tc := range cases {
		if got := rank.FormatQuantity(tc.res, tc.v); got != tc.want {
			t.Errorf("FormatQuantity(%q, %v) = %q, want %q", tc.res, tc.v, got, tc.want)
		}
	}
}

func TestWeightsWith(t *testing.T) {
	w, err := rank.DefaultWeights().With(map[string]float64{"cost": 5, "free_capacity": 0})
	if err != nil {
		t.Fatal(err)
	}
	want := rank.DefaultWeights()
	want.Cost, want.FreeCapacity = 5, 0
	if w != want {
		t.Errorf("got %+v, want %+v", w, want)
	}
	for in, msg := range map[string]string{
		"speed":   `unknown ranking criterion "speed": the criteria are preference, availability, latency, free_capacity, cost, locality`,
		"latency": "weight of latency is -1: it must be a finite number, 0 or more",
	} {
		v := -1.0
		if _, err := rank.DefaultWeights().With(map[string]float64{in: v}); err == nil || err.Error() != msg {
			t.Errorf("With(%s) error %v, want %q", in, err, msg)
		}
	}
	if err := (rank.Weights{Cost: math.NaN()}).Validate(); err == nil {
		t.Error("NaN weight accepted")
	}
}

func TestUsage(t *testing.T) {
	var u rank.Usage
	u.Record("cnaf", "cms", map[string]float64{"cpus": 10})
	u.Record("cnaf", "", map[string]float64{"cpus": 5})
	u.Plan("cnaf", "cms", map[string]float64{"cpus": 2})
	c := u.Clone()
	c.Record("cnaf", "cms", map[string]float64{"cpus": 100})
	c.Plan("bari", "", map[string]float64{"cpus": 1})
	got := []float64{
		u.Recorded("cnaf", "cpus"), u.Planned("cnaf", "cpus"),
		u.GroupRecorded("cnaf", "cms", "cpus"), u.GroupPlanned("cnaf", "cms", "cpus"),
		u.GroupRecorded("cnaf", "", "cpus"), u.Planned("bari", "cpus"),
		c.Recorded("cnaf", "cpus"), c.Planned("bari", "cpus"),
	}
	want := []float64{15, 2, 10, 2, 5, 0, 115, 1}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestFormatNumbersWithDecimals(t *testing.T) {
	cases := []struct {
		res  string
		v    float64
		want string
	}{
		{"cpus", 2.5, "2.5"},
		{"cpus", 0.0004, "0"},
		{"cpus", 0.0005, "0.001"},
		{"cpus", -1.25, "-1.25"},
		{"cpus", 1.999, "1.999"},
		{"cpus", 1.9999, "2"},
		{"cpus", 10.05, "10.05"},
		{"cpus", 3e12 + 0.5, "3000000000000.5"},
		{"memory", 1.25 * (1 << 30), "1.25GiB"},
		{"memory", 1.999 * (1 << 30), "2GiB"},
	}
	for _, tc := range cases {
		if got := rank.FormatQuantity(tc.res, tc.v); got != tc.want {
			t.Errorf("FormatQuantity(%q, %v) = %q, want %q", tc.res, tc.v, got, tc.want)
		}
	}
}

func TestRankingJSONRoundTrip(t *testing.T) {
	r := rank.Rank(comp("deployment.x", 2), []rank.Site{site("a", "IT", 10), site("b", "IT", 1)}, rank.Usage{}, rank.Weights{}, now)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Criterion":"free_capacity"`) {
		t.Errorf("criteria are not written by name: %s", b)
	}
	var back rank.Ranking
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip changed the ranking:\n%+v\n%+v", r, back)
	}
	var c rank.Criterion
	if err := c.UnmarshalText([]byte("speed")); err == nil {
		t.Error("unknown criterion accepted")
	}
}

// TestCriteriaNamedOnce checks that the ranking's criteria are exactly the
// language's (config.RankingCriteria), in order.
func TestCriteriaNamedOnce(t *testing.T) {
	if int(rank.Locality) != len(config.RankingCriteria) {
		t.Fatalf("%d criteria in rank, %d in the language", rank.Locality, len(config.RankingCriteria))
	}
	for i, name := range config.RankingCriteria {
		c, ok := rank.ParseCriterion(name)
		if !ok || int(c) != i+1 || c.String() != name {
			t.Errorf("criterion %q: %v %v", name, c, ok)
		}
	}
}
