package funcs

import (
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

func TestTimestamp(t *testing.T) {
	before := time.Now().UTC().Truncate(time.Second)
	got, err := TimestampFunc.Call(nil)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := time.Parse(time.RFC3339, got.AsString())
	if err != nil {
		t.Fatalf("%q is not RFC 3339: %s", got.AsString(), err)
	}
	if ts.Before(before) || ts.After(time.Now().UTC()) || ts.Location() != time.UTC {
		t.Errorf("timestamp %s is not the current UTC time", ts)
	}
}

func TestPlanTimestamp(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 2*3600))
	runCalls(t, MakePlanTimestampFunc(at), []callCase{
		{"set", nil, cty.StringVal("2024-05-06T05:08:09Z"), ""},
	})
	runCalls(t, MakePlanTimestampFunc(time.Time{}), []callCase{
		{"zero is unknown", nil, cty.UnknownVal(cty.String), ""},
	})
}

func TestTimeCmp(t *testing.T) {
	runCalls(t, TimeCmpFunc, []callCase{
		{"before", args(cty.StringVal("2017-11-22T00:00:00Z"), cty.StringVal("2017-11-22T00:00:01Z")), cty.NumberIntVal(-1), ""},
		{"equal across zones", args(cty.StringVal("2017-11-22T01:00:00+01:00"), cty.StringVal("2017-11-22T00:00:00Z")), cty.NumberIntVal(0), ""},
		{"after", args(cty.StringVal("2018-01-01T00:00:00Z"), cty.StringVal("2017-12-31T23:59:59+01:00")), cty.NumberIntVal(1), ""},
		{"fractional seconds", args(cty.StringVal("2017-11-22T00:00:00.5Z"), cty.StringVal("2017-11-22T00:00:00Z")), cty.NumberIntVal(1), ""},
		{"unknown", args(cty.UnknownVal(cty.String), cty.StringVal("2017-11-22T00:00:00Z")), cty.UnknownVal(cty.Number), ""},
		{"not a timestamp", args(cty.StringVal("2017-11-22"), cty.StringVal("2017-11-22T00:00:00Z")), cty.NilVal, "must be an RFC 3339 timestamp"},
	})
}
