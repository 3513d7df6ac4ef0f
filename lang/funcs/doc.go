// Package funcs is indigo's expression function library: every built-in
// function of the Terraform language (plus the few OpenTofu additions that
// Terraform configurations in the wild rely on), as cty functions ready to be
// put into an hcl.EvalContext.
//
// Call Table to get the functions for one scope. The table is built per call
// and holds no package-level mutable state, so many plans can evaluate
// expressions at once in one process. Most functions come straight from
// go-cty's stdlib where its behaviour is Terraform's; the rest are written
// here: filesystem and template functions, network address arithmetic,
// encodings, hashes, sensitivity marks, and the collection functions whose
// Terraform semantics differ from cty's (coalesce, index, length, lookup...).
//
// Conventions every function here follows:
//
//   - Unknown arguments give an unknown result of the right type, so plans
//     and validation can run before values are known.
//   - Marks survive: a result derived from a sensitive argument is sensitive
//     (marks.Sensitive). Functions whose result depends only on the shape of
//     a collection (length, one, lookup, coalesce) keep only the marks that
//     matter instead of marking the whole result.
//   - Error messages say what was wrong and what is expected. They do not
//     repeat string arguments that may be secrets (what is given to the
//     encoding, hashing, crypto and conversion functions, or a sensitive map
//     key); file functions do name the path they tried, and network
//     functions the prefix.
//   - Relative paths are resolved against Options.BaseDir, never against the
//     process's working directory, unless BaseDir is empty.
//
// This package is not where expressions are evaluated, where path.module or
// other named values come from, or where provider-defined functions
// (provider::NAME::FUNC) are registered: that is the evaluator's job
// (lang/eval.ModuleFunctions and the planner), which merges this table
// with its own names.
package funcs
