package planner

import (
	"math/rand/v2"
	"testing"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// attrsTestType has every kind fastAttrs decodes, and some it leaves to
// cty's decoder (a tuple, a dynamic attribute).
var attrsTestType = cty.Object(map[string]cty.Type{
	"s":     cty.String,
	"n":     cty.Number,
	"b":     cty.Bool,
	"l":     cty.List(cty.String),
	"set":   cty.Set(cty.Number),
	"m":     cty.Map(cty.Bool),
	"o":     cty.Object(map[string]cty.Type{"x": cty.String, "y": cty.List(cty.Object(map[string]cty.Type{"z": cty.Number}))}),
	"t":     cty.Tuple([]cty.Type{cty.String, cty.Number}),
	"dyn":   cty.DynamicPseudoType,
	"empty": cty.EmptyObject,
})

// attrsSeeds are recorded attributes as state files hold them, and
// near misses.
var attrsSeeds = []string{
	`{}`,
	`null`,
	` {"s": "plain", "n": 1.5, "b": true} `,
	`{"s":"caf\u00e9 \"q\" \\ \n","n":-0.25e+3,"b":false}`,
	`{"s":"café","n":12345678901234567890123,"b":null}`,
	`{"s":"\xff invalid utf-8"}`,
	`{"l":["a","b",null],"set":[3,1,3],"m":{"k":true,"j":false}}`,
	`{"l":[],"set":[],"m":{}}`,
	`{"o":{"x":"1","y":[{"z":1},{"z":null},{}]}}`,
	`{"o":null,"empty":{}}`,
	`{"t":["a",1]}`,
	`{"dyn":{"value":"v","type":"string"}}`,
	`{"s":1}`,
	`{"b":"true"}`,
	`{"n":"2"}`,
	`{"unknown":1}`,
	`{"s":"a","s":"b"}`,
	`{"n":01}`,
	`{"n":1.}`,
	`{"n":-}`,
	`{"s":"a"} x`,
	`{"s":"a",}`,
	`{"s":"a"`,
	`{"s":nul}`,
	`{"s":nullx}`,
	`{"b":truex}`,
	"{\"s\":\"tab\tinside\"}",
	`[1]`,
}

// TestFastAttrs: what fastAttrs decodes, it decodes as cty's decoder
// does, and it decodes the common shapes itself.
func TestFastAttrs(t *testing.T) {
	handled := 0
	for _, raw := range attrsSeeds {
		if checkFastAttrs(t, []byte(raw), attrsTestType) {
			handled++
		}
	}
	if handled < 9 {
		t.Errorf("fastAttrs decoded only %d of the seeds itself", handled)
	}
}

// TestFastAttrsMutated runs the fuzz check over seeded edits of the seeds
// (a byte changed, dropped or doubled), so that plain go test covers the
// near misses a fuzzer would try first.
func TestFastAttrsMutated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(`{}[]":,. -+0123456789eEntrufalsxyz\u`)
	for _, seed := range attrsSeeds {
		for range 300 {
			b := []byte(seed)
			if len(b) == 0 {
				continue
			}
			i := rng.IntN(len(b))
			switch rng.IntN(3) {
			case 0:
				b[i] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				b = append(b[:i:i], b[i+1:]...)
			default:
				b = append(b[:i+1:i+1], b[i:]...)
			}
			checkFastAttrs(t, b, attrsTestType)
		}
	}
}

// checkFastAttrs reports whether fastAttrs decoded raw itself, failing t
// when its answer differs from cty's.
func checkFastAttrs(t *testing.T, raw []byte, ty cty.Type) bool {
	t.Helper()
	got, ok := fastAttrs(raw, ty)
	if !ok {
		return false
	}
	want, err := ctyjson.Unmarshal(raw, ty)
	if err != nil {
		t.Errorf("fastAttrs decoded %q, which cty refuses: %v", raw, err)
		return true
	}
	if !got.RawEquals(want) {
		t.Errorf("fastAttrs(%q) = %#v, cty decodes %#v", raw, got, want)
	}
	return true
}

func FuzzFastAttrs(f *testing.F) {
	for _, s := range attrsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkFastAttrs(t, raw, attrsTestType)
	})
}
