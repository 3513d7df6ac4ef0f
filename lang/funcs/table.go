package funcs

import (
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	ctyyaml "github.com/zclconf/go-cty-yaml"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Options are the scope-independent settings of a function table.
type Options struct {
	// BaseDir is the directory that relative paths given to the file
	// functions (file, fileset, templatefile, abspath, ...) resolve against.
	// Empty means the process's working directory.
	//
	// Terraform resolves these paths against the directory it runs in (the
	// root module), for every module: path.module is itself a path relative
	// to that directory, so file("${path.module}/x") works from any module.
	// Set BaseDir to the root module's directory, not to each module's own.
	BaseDir string

	// PureOnly makes the impure functions (timestamp, uuid, bcrypt) return
	// unknown values of their result type instead of a value, as validate
	// and plan need: their result would differ at apply time.
	//
	// plantimestamp is not affected: it is pure within one plan. It returns
	// PlanTimestamp, or an unknown string when PlanTimestamp is zero (as it
	// is during validate).
	PureOnly bool

	// PlanTimestamp is what plantimestamp() returns; the zero value makes it
	// return an unknown string.
	PlanTimestamp time.Time
}

// coreNamespace is the prefix under which Terraform 1.8+ also exposes every
// built-in function (core::cidrsubnet), so that it stays reachable when a
// provider-defined function shadows the short name.
const coreNamespace = "core::"

// Table returns every built-in function by the name a user writes
// ("cidrsubnet"), and again under the "core::" namespace ("core::cidrsubnet")
// as Terraform does. Each call builds a new map that the caller may extend
// (with provider-defined functions, say) without affecting other tables.
func Table(opts Options) map[string]function.Function {
	base := baseTable(opts)
	return withCoreAliases(base)
}

// withCoreAliases returns a copy of t in which every function is also
// reachable as core::NAME.
func withCoreAliases(t map[string]function.Function) map[string]function.Function {
	out := make(map[string]function.Function, 2*len(t))
	for name, fn := range t {
		out[name] = fn
		out[coreNamespace+name] = fn
	}
	return out
}

// Names returns the sorted names of all functions Table provides, without
// their "core::" aliases.
func Names() []string {
	base := baseTable(Options{})
	names := make([]string, 0, len(base))
	for name := range base {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// baseTable builds the table without namespace aliases.
func baseTable(opts Options) map[string]function.Function {
	dir := opts.BaseDir
	t := map[string]function.Function{
		// Numeric.
		"abs":      stdlib.AbsoluteFunc,
		"ceil":     stdlib.CeilFunc,
		"floor":    stdlib.FloorFunc,
		"log":      stdlib.LogFunc,
		"max":      stdlib.MaxFunc,
		"min":      stdlib.MinFunc,
		"parseint": stdlib.ParseIntFunc,
		"pow":      stdlib.PowFunc,
		"signum":   stdlib.SignumFunc,

		// String.
		"chomp":       stdlib.ChompFunc,
		"endswith":    EndsWithFunc,
		"format":      stdlib.FormatFunc,
		"formatlist":  stdlib.FormatListFunc,
		"indent":      stdlib.IndentFunc,
		"join":        stdlib.JoinFunc,
		"lower":       stdlib.LowerFunc,
		"regex":       stdlib.RegexFunc,
		"regexall":    stdlib.RegexAllFunc,
		"replace":     ReplaceFunc,
		"split":       stdlib.SplitFunc,
		"startswith":  StartsWithFunc,
		"strcontains": StrContainsFunc,
		"strrev":      stdlib.ReverseFunc,
		"substr":      stdlib.SubstrFunc,
		"title":       stdlib.TitleFunc,
		"trim":        stdlib.TrimFunc,
		"trimprefix":  stdlib.TrimPrefixFunc,
		"trimspace":   stdlib.TrimSpaceFunc,
		"trimsuffix":  stdlib.TrimSuffixFunc,
		"upper":       stdlib.UpperFunc,

		// Collection.
		"alltrue":         AllTrueFunc,
		"anytrue":         AnyTrueFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"index":           IndexFunc,
		"keys":            stdlib.KeysFunc,
		"length":          LengthFunc,
		"lookup":          LookupFunc,
		"matchkeys":       MatchKeysFunc,
		"merge":           stdlib.MergeFunc,
		"one":             OneFunc,
		"range":           stdlib.RangeFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"sum":             SumFunc,
		"transpose":       TransposeFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,

		// Encoding.
		"base64decode":     Base64DecodeFunc,
		"base64encode":     Base64EncodeFunc,
		"base64gzip":       Base64GzipFunc,
		"base64gunzip":     Base64GunzipFunc,
		"csvdecode":        stdlib.CSVDecodeFunc,
		"jsondecode":       stdlib.JSONDecodeFunc,
		"jsonencode":       stdlib.JSONEncodeFunc,
		"textdecodebase64": TextDecodeBase64Func,
		"textencodebase64": TextEncodeBase64Func,
		"urldecode":        URLDecodeFunc,
		"urlencode":        URLEncodeFunc,
		"yamldecode":       ctyyaml.YAMLDecodeFunc,
		"yamlencode":       ctyyaml.YAMLEncodeFunc,

		// Filesystem (templatefile is added below).
		"abspath":    MakeAbsPathFunc(dir),
		"basename":   BasenameFunc,
		"dirname":    DirnameFunc,
		"file":       MakeFileFunc(dir),
		"filebase64": MakeFileBase64Func(dir),
		"fileexists": MakeFileExistsFunc(dir),
		"fileset":    MakeFileSetFunc(dir),
		"pathexpand": PathExpandFunc,

		// Date and time.
		"formatdate":    stdlib.FormatDateFunc,
		"plantimestamp": MakePlanTimestampFunc(opts.PlanTimestamp),
		"timeadd":       stdlib.TimeAddFunc,
		"timecmp":       TimeCmpFunc,
		"timestamp":     TimestampFunc,

		// Hash and crypto.
		"base64sha256":     Base64SHA256Func,
		"base64sha512":     Base64SHA512Func,
		"bcrypt":           BcryptFunc,
		"filebase64sha256": MakeFileBase64SHA256Func(dir),
		"filebase64sha512": MakeFileBase64SHA512Func(dir),
		"filemd5":          MakeFileMD5Func(dir),
		"filesha1":         MakeFileSHA1Func(dir),
		"filesha256":       MakeFileSHA256Func(dir),
		"filesha512":       MakeFileSHA512Func(dir),
		"md5":              MD5Func,
		"rsadecrypt":       RSADecryptFunc,
		"sha1":             SHA1Func,
		"sha256":           SHA256Func,
		"sha512":           SHA512Func,
		"uuid":             UUIDFunc,
		"uuidv5":           UUIDv5Func,

		// IP network.
		"cidrcontains": CIDRContainsFunc,
		"cidrhost":     CIDRHostFunc,
		"cidrnetmask":  CIDRNetmaskFunc,
		"cidrsubnet":   CIDRSubnetFunc,
		"cidrsubnets":  CIDRSubnetsFunc,

		// Type conversion and value marks.
		"can":             tryfunc.CanFunc,
		"ephemeralasnull": EphemeralAsNullFunc,
		"issensitive":     IsSensitiveFunc,
		"nonsensitive":    NonsensitiveFunc,
		"sensitive":       SensitiveFunc,
		"tobool":          MakeToFunc(cty.Bool),
		"tolist":          MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":           MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":        MakeToFunc(cty.Number),
		"toset":           MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":        MakeToFunc(cty.String),
		"try":             tryfunc.TryFunc,
		"type":            TypeFunc,
	}

	if opts.PureOnly {
		for _, name := range []string{"bcrypt", "timestamp", "uuid"} {
			t[name] = function.Unpredictable(t[name])
		}
	}

	// Templates may call every other function, but not the template
	// functions themselves: a template that renders itself would never end.
	t["templatefile"] = noNestedTemplateFunc("templatefile")
	t["templatestring"] = noNestedTemplateFunc("templatestring")
	inner := withCoreAliases(t)
	t["templatefile"] = MakeTemplateFileFunc(dir, inner)
	t["templatestring"] = MakeTemplateStringFunc(inner)
	return t
}
